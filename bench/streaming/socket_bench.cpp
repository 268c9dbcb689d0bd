// Socket benchmark: how much of what loopback TCP connections can deliver a
// streaming_context turns into word counts. One run measures, side by side:
//   baseline: clients that only read and discard (the ceiling for receiving);
//   gpustream: one socket_text_stream per connection, word count every batch,
//              results brought to the host.
// The servers write the same generated text as fast as the readers take it.

#include <gpustream/gpustream.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  std::string backend = "auto";
  int connections = 4;
  int seconds = 5;
  int warmup_seconds = 1;
  int batch_ms = 100;
  int block_mib = 4;
  int blocks = 32;
};

void usage() {
  std::printf(
      "usage: socket_bench [--backend auto|cpu|cuda] [--connections N] [--seconds N]\n"
      "                    [--warmup-seconds N] [--batch-ms N] [--block-mib N] [--blocks N]\n"
      "                    [--help]\n\n"
      "Loopback TCP servers write generated text lines as fast as they are read.\n"
      "Measures, in one run, the bytes per second that read-and-discard clients\n"
      "receive (the baseline) and that a streaming_context with one\n"
      "socket_text_stream per connection turns into per-batch word counts.\n\n"
      "  --connections     connections (default 4)\n"
      "  --seconds         measured seconds per side (default 5)\n"
      "  --warmup-seconds  seconds before measuring (default 1)\n"
      "  --batch-ms        batch interval in ms (default 100)\n"
      "  --block-mib       receive block size in MiB (default 4)\n"
      "  --blocks          receive blocks per connection (default 32). A batch holds at\n"
      "                    most one pool's worth per connection, so the stream cannot\n"
      "                    go faster than connections x blocks x block size per interval:\n"
      "                    the bound is printed with the results\n");
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "socket_bench: error: %s needs a value (see --help)\n", a.c_str());
      return false;
    }
    const std::string v = argv[++i];
    if (a == "--backend") {
      o.backend = v;
      continue;
    }
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n < 0 || n > 100000) {
      std::fprintf(stderr, "socket_bench: error: %s wants a number, not '%s'\n", a.c_str(), v.c_str());
      return false;
    }
    if (a == "--connections" && n >= 1 && n <= 64) {
      o.connections = static_cast<int>(n);
    } else if (a == "--seconds" && n >= 1) {
      o.seconds = static_cast<int>(n);
    } else if (a == "--warmup-seconds") {
      o.warmup_seconds = static_cast<int>(n);
    } else if (a == "--batch-ms" && n >= 1) {
      o.batch_ms = static_cast<int>(n);
    } else if (a == "--block-mib" && n >= 1 && n <= 1024) {
      o.block_mib = static_cast<int>(n);
    } else if (a == "--blocks" && n >= 2) {
      o.blocks = static_cast<int>(n);
    } else {
      std::fprintf(stderr, "socket_bench: error: unknown option or value out of range: %s %s\n", a.c_str(),
                   v.c_str());
      return false;
    }
  }
  return true;
}

/// A listening socket on 127.0.0.1 at a free port; each accepted connection
/// gets the text written to it in a loop until stop.
class text_server {
 public:
  explicit text_server(const std::string* text) : text_{text} {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error{"socket_bench: socket() failed"};
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0) {
      throw std::runtime_error{"socket_bench: cannot listen on 127.0.0.1"};
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread{[this] { accept_loop(); }};
  }
  ~text_server() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& t : writers_) t.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  void accept_loop() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::lock_guard lock{mutex_};
      writers_.emplace_back([this, c] { write_loop(c); });
    }
  }
  void write_loop(int c) {
    const char* p = text_->data();
    const std::size_t n = text_->size();
    std::size_t at = 0;
    while (!stop_) {
      const ssize_t w = ::send(c, p + at, n - at, MSG_NOSIGNAL);
      if (w <= 0) break;
      at = (at + static_cast<std::size_t>(w)) % n;  // the text is whole lines: wrap at its end
    }
    ::close(c);
  }

  const std::string* text_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::thread acceptor_;
  std::vector<std::thread> writers_;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error{"socket_bench: cannot connect to the text server"};
  }
  return fd;
}

double read_and_discard(const options& o, const std::string& text) {
  text_server server{&text};
  std::atomic<bool> stop{false};
  std::atomic<bool> measuring{false};
  std::atomic<std::uint64_t> bytes{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < o.connections; ++i) {
    readers.emplace_back([&] {
      const int fd = connect_to(server.port());
      std::vector<char> buf(std::size_t{1} << 20);
      while (!stop) {
        const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
        if (r <= 0) break;
        if (measuring) bytes += static_cast<std::uint64_t>(r);
      }
      ::close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds{o.warmup_seconds});
  measuring = true;
  const auto t0 = clock_type::now();
  std::this_thread::sleep_for(std::chrono::seconds{o.seconds});
  measuring = false;
  const double sec = std::chrono::duration<double>(clock_type::now() - t0).count();
  stop = true;
  for (auto& t : readers) t.join();
  return static_cast<double>(bytes.load()) / sec / 1e9;
}

class byte_counter final : public gpustream::streaming_listener {
 public:
  void on_batch_completed(const gpustream::batch_info& b) override {
    if (measuring) bytes += b.bytes;
    std::lock_guard lock{mutex_};
    if (measuring) {
      delays.push_back(b.total_delay.count());
      processing.push_back(b.processing_delay.count());
    }
  }
  std::atomic<bool> measuring{false};
  std::atomic<std::uint64_t> bytes{0};
  std::mutex mutex_;
  std::vector<long long> delays;
  std::vector<long long> processing;  // of each delay, the operators' part after the copy
};

/// The value at fraction `q` of the sorted values; 0 when there are none.
long long quantile(std::vector<long long> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

double gpustream_word_count(const options& o, gpustream::backend b, const std::string& text, long long& p99_ms,
                            long long& processing_p50_ms) {
  text_server server{&text};
  std::ostringstream sink;
  gpustream::streaming_options so;
  so.batch_interval = std::chrono::milliseconds{o.batch_ms};
  so.requested_backend = b;
  so.block_bytes = static_cast<std::size_t>(o.block_mib) << 20;
  so.blocks_per_receiver = static_cast<std::size_t>(o.blocks);
  so.log_batches = false;
  so.log = &sink;
  so.out = &sink;
  gpustream::streaming_context ctx{so};
  auto counter = std::make_shared<byte_counter>();
  ctx.add_listener(counter);
  for (int i = 0; i < o.connections; ++i) {
    ctx.socket_text_stream("127.0.0.1", server.port())
        .flat_map(gpustream::split_words)
        .map(gpustream::pair_with_one)
        .reduce_by_key()
        .foreach_batch([](const std::vector<gpustream::word_pair>&, gpustream::batch_time) {});
  }
  ctx.start();
  std::this_thread::sleep_for(std::chrono::seconds{o.warmup_seconds});
  counter->measuring = true;
  const auto t0 = clock_type::now();
  std::this_thread::sleep_for(std::chrono::seconds{o.seconds});
  counter->measuring = false;
  const double sec = std::chrono::duration<double>(clock_type::now() - t0).count();
  ctx.stop(false);
  {
    std::lock_guard lock{counter->mutex_};
    p99_ms = quantile(counter->delays, 0.99);
    processing_p50_ms = quantile(counter->processing, 0.5);
  }
  return static_cast<double>(counter->bytes.load()) / sec / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) return 2;
  gpustream::backend b;
  try {
    b = gpustream::resolve_backend(gpustream::parse_backend(o.backend));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "socket_bench: error: %s\n", e.what());
    return 2;
  }
  // 16 MiB of generated lines, written again and again on every connection.
  std::string text(std::size_t{16} << 20, '\0');
  gpustream::text_generator gen{gpustream::text_generator_options{gpustream::generated_text::words, 7, 100000, 4, 16}};
  text.resize(gen.fill(text.data(), text.size()));

  const std::string device = gpustream::describe_backend(b);
  std::printf("socket_bench: %d loopback connection(s), %d s measured after %d s warm-up, batch interval %d ms, "
              "pool %d x %d MiB per connection (at most %.2f GB/s: the pools' bytes per interval)\n",
              o.connections, o.seconds, o.warmup_seconds, o.batch_ms, o.blocks, o.block_mib,
              static_cast<double>(o.connections) * o.blocks * (static_cast<double>(o.block_mib) * (1 << 20)) /
                  (o.batch_ms / 1000.0) / 1e9);
  try {
    const double baseline = read_and_discard(o, text);
    long long p99 = 0;
    long long processing_p50 = 0;
    const double ours = gpustream_word_count(o, b, text, p99, processing_p50);
    std::printf("\n| workload | backend | device | connections | GB/s | delay p99 ms | processing p50 ms | "
                "vs read-and-discard |\n");
    std::printf("|---|---|---|---:|---:|---:|---:|---:|\n");
    std::printf("| sockets: read and discard (baseline) | - | - | %d | %.2f | | | 1.00x |\n", o.connections, baseline);
    std::printf("| sockets: word count | %s | %s | %d | %.2f | %lld | %lld | %.2fx |\n",
                std::string{gpustream::to_string(b)}.c_str(), device.c_str(), o.connections, ours, p99,
                processing_p50, baseline > 0 ? ours / baseline : 0.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "socket_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
