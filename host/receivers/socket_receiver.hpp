#pragma once

#include "line_assembler.hpp"
#include "receiver.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace gpustream::detail {

/// Where a socket_receiver connects and how fast it may read.
struct socket_receiver_options {
  std::string host;                           // name or address of the server
  std::uint16_t port = 0;                     // its TCP port
  std::uint64_t max_bytes_per_second = 0;     // 0: unlimited
  std::chrono::milliseconds reconnect_delay{500};  // wait before each new connection attempt
};

/// Spark's socketTextStream: a TCP client that connects to host:port (a server
/// such as `nc -lk 9999`) and receives newline-delimited text straight into
/// pinned blocks. It retries until the server is up, reconnects after the
/// server closes or resets the connection (the partial last line of a
/// connection becomes a record), and stops reading when the pool has no free
/// block, so that TCP flow control pushes back on the sender. Runs one thread
/// with its own io_context. Noncopyable.
class socket_receiver final : public receiver {
 public:
  /// Throws gpustream::logic_error for an empty host or port 0. Connects only
  /// at start().
  explicit socket_receiver(socket_receiver_options options);
  /// Stops the receiver (see stop()).
  ~socket_receiver() override;
  socket_receiver(const socket_receiver&) = delete;
  socket_receiver& operator=(const socket_receiver&) = delete;

  /// "socket host:port".
  std::string name() const override;
  /// Starts the receiving thread. Throws gpustream::logic_error when called
  /// twice, after stop(), or with an env lacking a pool or a queue, or when the
  /// pool's blocks are smaller than twice env.max_record_bytes.
  void start(receiver_env env) override;
  /// Pushes every complete line received so far, then returns: it interrupts
  /// a pending read for a moment, since that read writes into the current
  /// block. Returns at once before start() and after stop().
  void seal() override;
  /// Closes the connection, joins the thread, then pushes what was received,
  /// the partial last line as a record (this may wait for a free block when
  /// the pool is exhausted and that line must move to a new block). Idempotent;
  /// safe without start().
  void stop() override;

 private:
  using tcp = boost::asio::ip::tcp;

  void run();
  void do_resolve();
  void on_resolve(const boost::system::error_code& ec, const tcp::resolver::results_type& results);
  void on_connect(const boost::system::error_code& ec);
  void on_connect_failed(const boost::system::error_code& ec, const char* what);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void on_disconnect(const boost::system::error_code& ec);
  void do_finish();
  void wait_then(std::chrono::steady_clock::duration delay, void (socket_receiver::*step)());
  void on_seal_request();
  void seal_now();
  void do_stop();
  void report(const std::string& message) const;

  socket_receiver_options options_;
  receiver_env env_;
  std::optional<line_assembler> assembler_;

  // Owned by the io thread once started.
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  boost::asio::steady_timer timer_;
  bool read_pending_ = false;
  bool cancel_for_seal_ = false;  // a pending read was cancelled to seal
  bool stopping_ = false;
  bool outage_reported_ = false;  // on_error already told about this outage
  double tokens_ = 0;             // rate limit: bytes that may be read now
  double bucket_bytes_ = 0;       // rate limit: burst size
  std::chrono::steady_clock::time_point refilled_at_;

  // Seal requests from other threads: each gets a ticket, answered in order.
  std::mutex mutex_;
  std::condition_variable sealed_;
  std::uint64_t seal_requested_ = 0;
  std::uint64_t seal_done_ = 0;
  bool started_ = false;
  bool stopped_ = false;  // stop() began: seal() no longer waits
  bool io_done_ = false;  // the io thread ended

  std::mutex stop_mutex_;  // serializes stop()
  std::thread thread_;
};

}  // namespace gpustream::detail
