#pragma once

// A small TCP server on 127.0.0.1 for tests of socket sources: it accepts
// connections and sends text, whole or in pieces of random sizes.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace gpustream::test {

/// One accepted connection of a tcp_server. Sends time out after 5 s, so a
/// stuck receiver fails the test rather than hanging it.
class tcp_connection {
 public:
  explicit tcp_connection(int fd) : fd_{fd} {
    timeval tv{};
    tv.tv_sec = 5;
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  ~tcp_connection() { close(); }
  tcp_connection(const tcp_connection&) = delete;
  tcp_connection& operator=(const tcp_connection&) = delete;
  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  /// Sends all of `data`; false when the peer is gone or a send timed out.
  /// `sent`, when given, grows by each byte the kernel accepted.
  bool send_all(std::string_view data, std::atomic<std::size_t>* sent = nullptr) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
      if (sent != nullptr) *sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// Sends `data` in pieces of random sizes (1 to `max_piece` bytes), pausing
  /// now and then, so that the receiver sees lines cut across reads.
  bool send_in_pieces(std::string_view data, std::mt19937_64& rng, std::atomic<std::size_t>* sent = nullptr,
                      std::size_t max_piece = 16384) {
    while (!data.empty()) {
      const std::size_t n = std::min<std::size_t>(data.size(), 1 + rng() % max_piece);
      if (!send_all(data.substr(0, n), sent)) return false;
      data.remove_prefix(n);
      if (rng() % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
    }
    return true;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  /// Closes with a TCP reset (RST) instead of an orderly shutdown (FIN).
  void reset() {
    if (fd_ < 0) return;
    linger l{};
    l.l_onoff = 1;
    l.l_linger = 0;
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }

 private:
  int fd_;
};

/// True when the peer of the accepted connection `fd` is a TCP socket of this
/// process: the test's own client, not another program's that found the port
/// (a client retrying on a port its own server gave up, say, while tests run
/// in parallel).
inline bool peer_is_this_process(int fd) {
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return false;
  const unsigned peer_port = ntohs(peer.sin_port);
  // The inodes of this process's sockets...
  std::set<unsigned long> inodes;
  std::error_code ec;
  for (std::filesystem::directory_iterator it{"/proc/self/fd", ec}, end; !ec && it != end; it.increment(ec)) {
    std::error_code link_ec;
    const std::string target = std::filesystem::read_symlink(it->path(), link_ec).string();
    if (!link_ec && target.rfind("socket:[", 0) == 0) inodes.insert(std::stoul(target.substr(8)));
  }
  // ...and the one bound to the peer's port (local address "0100007F:PORT", hex).
  std::ifstream table{"/proc/net/tcp"};
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields{line};
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode)) {
      continue;
    }
    const auto colon = local.find(':');
    if (colon != std::string::npos && std::stoul(local.substr(colon + 1), nullptr, 16) == peer_port &&
        inodes.count(inode) != 0) {
      return true;
    }
  }
  return false;
}

/// A TCP server socket on 127.0.0.1.
///
/// A server that is "not up yet" keeps its port bound without listening:
/// connections to it are refused, and no other program can take the port
/// meanwhile. (Releasing a port and binding it again later would let a
/// client of another test, retrying on a port it was given, connect here.)
class tcp_server {
 public:
  struct not_listening_t {};

  /// Listens on 127.0.0.1:port (0: an ephemeral port).
  explicit tcp_server(std::uint16_t port = 0) {
    // SO_REUSEADDR: the port may be given again once this server is gone,
    // while its closed connections are still in TIME_WAIT.
    bind_to(port, true);
    listen();
  }
  /// Binds an ephemeral port but refuses connections until listen().
  explicit tcp_server(not_listening_t) { bind_to(0, false); }
  ~tcp_server() { close(); }
  tcp_server(const tcp_server&) = delete;
  tcp_server& operator=(const tcp_server&) = delete;

  /// The server comes up: connections are accepted from now on.
  void listen() {
    if (::listen(fd_, 16) != 0) {
      throw std::runtime_error{"cannot listen on 127.0.0.1:" + std::to_string(port_) + ": " + std::strerror(errno)};
    }
  }
  std::uint16_t port() const { return port_; }
  /// The next connection from a client of this process, or an invalid one
  /// after `timeout`. Connections from other programs are closed.
  std::unique_ptr<tcp_connection> accept(std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() < 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) {
        return std::make_unique<tcp_connection>(-1);
      }
      auto conn = std::make_unique<tcp_connection>(::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC));
      if (conn->valid() && peer_is_this_process(conn->fd())) return conn;
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void bind_to(std::uint16_t port, bool reuse_address) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error{"socket() failed"};
    if (reuse_address) {
      const int one = 1;
      ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      const int err = errno;
      ::close(fd_);
      throw std::runtime_error{"cannot bind 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(err)};
    }
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
};

/// For tcp_server's constructor: a server not up yet.
inline constexpr tcp_server::not_listening_t not_listening{};

}  // namespace gpustream::test
