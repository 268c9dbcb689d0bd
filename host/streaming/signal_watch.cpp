#include "signal_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <system_error>

namespace gpustream::detail {

namespace {

// Process-wide, as signal dispositions are. The handler reads only the
// atomics and the pipe's write end, which stay valid while it is installed.
std::mutex registry_mutex;
int watches = 0;                       // under registry_mutex
struct sigaction previous_int {};      // under registry_mutex
struct sigaction previous_term {};     // under registry_mutex
bool int_taken = false;                // under registry_mutex: SIGINT was not ignored
int wake[2] = {-1, -1};                // created once, kept open; never drained while installed
std::atomic<int> received{0};          // signals since the handlers were installed
std::atomic<int> first_signal{0};

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

void write_all(int fd, const char* text, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, text, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text += n;
    size -= static_cast<std::size_t>(n);
  }
}

extern "C" void on_stop_signal(int sig) {
  const int saved_errno = errno;
  if (received.fetch_add(1) > 0) {
    static constexpr char again_int[] = "gpustream: SIGINT again: stopping at once\n";
    static constexpr char again_term[] = "gpustream: SIGTERM again: stopping at once\n";
    if (sig == SIGINT) {
      write_all(STDERR_FILENO, again_int, sizeof again_int - 1);
    } else {
      write_all(STDERR_FILENO, again_term, sizeof again_term - 1);
    }
    ::_exit(128 + sig);
  }
  first_signal.store(sig);
  const char byte = 1;
  // The pipe is non-blocking; once it holds a byte, more add nothing.
  [[maybe_unused]] const ssize_t n = ::write(wake[1], &byte, 1);
  errno = saved_errno;
}

void throw_errno(const char* what) { throw std::system_error{errno, std::generic_category(), what}; }

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno("signal_watch: pipe2");
}

void drain(int fd) noexcept {
  char buffer[64];
  while (::read(fd, buffer, sizeof buffer) > 0) {
  }
}

}  // namespace

signal_watch::signal_watch(std::function<void(int)> on_signal) : on_signal_{std::move(on_signal)} {
  make_pipe(quit_);
  {
    std::lock_guard lock{registry_mutex};
    if (watches == 0) {
      try {
        if (wake[0] < 0) make_pipe(wake);
        drain(wake[0]);
        received.store(0);
        first_signal.store(0);
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        if (::sigaction(SIGINT, nullptr, &previous_int) != 0) throw_errno("signal_watch: sigaction");
        int_taken = previous_int.sa_handler != SIG_IGN;
        if (int_taken && ::sigaction(SIGINT, &action, nullptr) != 0) throw_errno("signal_watch: sigaction");
        if (::sigaction(SIGTERM, &action, &previous_term) != 0) {
          const int e = errno;
          if (int_taken) ::sigaction(SIGINT, &previous_int, nullptr);
          errno = e;
          throw_errno("signal_watch: sigaction");
        }
      } catch (...) {
        ::close(quit_[0]);
        ::close(quit_[1]);
        throw;
      }
    }
    ++watches;
  }
  thread_ = std::thread{[this] { run(); }};
}

signal_watch::~signal_watch() {
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(quit_[1], &byte, 1);
  thread_.join();
  ::close(quit_[0]);
  ::close(quit_[1]);
  std::lock_guard lock{registry_mutex};
  if (--watches == 0) {
    if (int_taken) ::sigaction(SIGINT, &previous_int, nullptr);
    ::sigaction(SIGTERM, &previous_term, nullptr);
  }
}

void signal_watch::run() {
  pollfd fds[2] = {{wake[0], POLLIN, 0}, {quit_[0], POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;  // cannot happen with valid descriptors; the watch then does nothing
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) {
      // Left in the pipe, so that every other watch wakes too.
      on_signal_(first_signal.load());
      return;
    }
  }
}

}  // namespace gpustream::detail
