#pragma once

// Small pieces shared by the streaming programs (gpustream wordcount and the
// examples): parsing durations and ports, and stopping a streaming_context
// gracefully on SIGINT/SIGTERM or after a duration.

#include <gpustream/streaming/streaming_context.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace gpustream::app {

/// Parses a duration: a number with an optional fraction and a unit, `ms`,
/// `s`, `m`/`min` or `h` ("500ms", "1s", "2.5s", "1m"), or a bare number of
/// milliseconds ("250"). Throws std::invalid_argument, whose message names
/// `what` and the text, for anything else and for a duration that is not
/// positive once rounded to milliseconds.
inline std::chrono::milliseconds parse_duration(const std::string& text, const std::string& what) {
  const std::string quoted = "'" + text + "'";
  const std::string expected = "; expected e.g. 500ms, 1s, 2.5s, 1m or a number of milliseconds";
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    if (text[i] == '-') throw std::invalid_argument{what + " must be positive (got " + quoted + ")"};
    ++i;
  }
  double value = 0;
  std::size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) value = value * 10 + (text[i] - '0');
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits, scale /= 10) {
      value += (text[i] - '0') * scale;
    }
  }
  if (digits == 0) throw std::invalid_argument{"invalid " + what + " " + quoted + expected};
  const std::string unit = text.substr(i);
  double unit_ms = 0;
  if (unit.empty() || unit == "ms") {
    unit_ms = 1;
  } else if (unit == "s") {
    unit_ms = 1e3;
  } else if (unit == "m" || unit == "min") {
    unit_ms = 60e3;
  } else if (unit == "h") {
    unit_ms = 3600e3;
  } else {
    throw std::invalid_argument{"invalid " + what + " " + quoted + ": unknown unit '" + unit + "'" + expected};
  }
  const double ms = value * unit_ms;
  if (ms > 1e12) throw std::invalid_argument{what + " " + quoted + " is too long"};
  const auto rounded = static_cast<std::int64_t>(ms + 0.5);
  if (rounded <= 0) {
    throw std::invalid_argument{what + (ms > 0 ? " must be at least 1 ms" : " must be positive") + " (got " + quoted +
                                ")"};
  }
  return std::chrono::milliseconds{rounded};
}

/// Parses a TCP port, 1 to 65535. Throws std::invalid_argument naming the text.
inline std::uint16_t parse_port(const std::string& text) {
  const bool numeric =
      !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric) throw std::invalid_argument{"invalid port '" + text + "': expected a number from 1 to 65535"};
  const std::size_t start = std::min(text.find_first_not_of('0'), text.size());
  const std::string significant = text.substr(start);
  if (significant.empty() || significant.size() > 5 || std::stoul(significant) > 65535) {
    throw std::invalid_argument{"port " + text + " is out of range: expected a number from 1 to 65535"};
  }
  return static_cast<std::uint16_t>(std::stoul(significant));
}

/// Turns SIGINT and SIGTERM into a graceful stop. The constructor blocks both
/// signals in the calling thread, and so in every thread started after it
/// (construct it first, before any other thread), and waits for them with
/// sigwait() on a thread of its own: nothing runs in a signal handler. The
/// first signal is reported and wakes wait_for(); a second one ends the
/// process at once (exit status 128 + the signal). A SIGINT ignored when the
/// program started (a background job of a shell script) stays ignored.
class stop_signals {
 public:
  explicit stop_signals(std::string program) : program_{std::move(program)} {
    sigemptyset(&set_);
    struct sigaction current {};
    if (sigaction(SIGINT, nullptr, &current) != 0 || current.sa_handler != SIG_IGN) sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread{[this] { watch(); }};
  }
  ~stop_signals() {
    {
      std::lock_guard lock{mutex_};
      done_ = true;
    }
    // Wakes the watcher's sigwait(); the signals stay blocked until the process ends.
    pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  /// Waits up to `timeout` for a stop signal; true when one has come.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock{mutex_};
    return received_.wait_for(lock, timeout, [this] { return signals_ > 0; });
  }

 private:
  void watch() {
    for (;;) {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0) continue;
      std::unique_lock lock{mutex_};
      if (done_) return;
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      if (++signals_ > 1) {
        std::cerr << (program_ + ": " + name + " again: stopping at once\n") << std::flush;
        std::_Exit(128 + sig);
      }
      std::cerr << (program_ + ": " + name + ": stopping gracefully (send it again to stop at once)\n")
                << std::flush;
      lock.unlock();
      received_.notify_all();
    }
  }

  std::string program_;
  sigset_t set_{};
  std::mutex mutex_;
  std::condition_variable received_;
  int signals_ = 0;
  bool done_ = false;
  std::thread thread_;
};

/// Runs a started context until a stop signal, the end of `duration` (when
/// given) or a failure that stops it; then stops it gracefully: the data
/// already received is processed before this returns. Rethrows the error that
/// stopped the context, if any.
inline void run_until_stopped(streaming_context& ctx, stop_signals& signals,
                              std::optional<std::chrono::milliseconds> duration) {
  using clock = std::chrono::steady_clock;
  const auto deadline = duration ? clock::now() + *duration : clock::time_point::max();
  constexpr std::chrono::milliseconds poll{100};  // how soon a failure of the context is noticed
  for (;;) {
    const auto now = clock::now();
    if (now >= deadline) break;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (signals.wait_for(duration ? std::min(left, poll) : poll)) break;
    if (ctx.current_state() == streaming_context::state::stopped) break;
  }
  ctx.stop(true);
  ctx.await_termination();
}

}  // namespace gpustream::app
