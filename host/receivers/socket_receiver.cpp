#include "socket_receiver.hpp"

#include <gpustream/core/error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace gpustream::detail {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// How long to wait before looking again for a free block (backpressure).
constexpr std::chrono::milliseconds backpressure_retry{1};
// The smallest rate-limit burst: enough for one full-sized read at low rates.
constexpr double min_bucket_bytes = 64 * 1024;

}  // namespace

socket_receiver::socket_receiver(socket_receiver_options options)
    : options_{std::move(options)}, resolver_{io_}, socket_{io_}, timer_{io_} {
  GPUSTREAM_EXPECTS(!options_.host.empty(), "socket_receiver: the host must not be empty");
  GPUSTREAM_EXPECTS(options_.port != 0, "socket_receiver: the port must not be 0");
  GPUSTREAM_EXPECTS(options_.reconnect_delay.count() >= 0,
                    "socket_receiver: the reconnect delay must not be negative");
}

socket_receiver::~socket_receiver() { stop(); }

std::string socket_receiver::name() const {
  return "socket " + options_.host + ":" + std::to_string(options_.port);
}

void socket_receiver::start(receiver_env env) {
  GPUSTREAM_EXPECTS(env.pool != nullptr && env.queue != nullptr,
                    "socket_receiver: start() needs a block pool and a block queue");
  {
    std::lock_guard lock{mutex_};
    GPUSTREAM_EXPECTS(!started_ && !stopped_, "socket_receiver: start() called twice or after stop()");
  }
  assembler_.emplace(*env.pool, *env.queue, env.id, env.max_record_bytes, env.on_oversized);
  env_ = std::move(env);
  if (options_.max_bytes_per_second > 0) {
    bucket_bytes_ = std::max(static_cast<double>(options_.max_bytes_per_second) / 10, min_bucket_bytes);
    tokens_ = bucket_bytes_;
    refilled_at_ = std::chrono::steady_clock::now();
  }
  work_.emplace(io_.get_executor());
  asio::post(io_, [this] { do_resolve(); });
  thread_ = std::thread{[this] { run(); }};
  std::lock_guard lock{mutex_};
  started_ = true;
}

void socket_receiver::run() {
  try {
    io_.run();
  } catch (const std::exception& e) {
    // A bug (the assembler checks its preconditions): nothing more is received,
    // but seal() and stop() must not hang.
    report(name() + ": receiver thread failed: " + e.what());
  }
  {
    std::lock_guard lock{mutex_};
    io_done_ = true;
  }
  sealed_.notify_all();
}

// ---- connecting ---------------------------------------------------------

void socket_receiver::do_resolve() {
  if (stopping_) return;
  resolver_.async_resolve(options_.host, std::to_string(options_.port),
                          [this](const error_code& ec, const tcp::resolver::results_type& results) {
                            on_resolve(ec, results);
                          });
}

void socket_receiver::on_resolve(const error_code& ec, const tcp::resolver::results_type& results) {
  if (stopping_) return;
  if (ec) {
    on_connect_failed(ec, "cannot resolve the host");
    return;
  }
  asio::async_connect(socket_, results,
                      [this](const error_code& connect_ec, const tcp::endpoint&) { on_connect(connect_ec); });
}

void socket_receiver::on_connect(const error_code& ec) {
  if (stopping_) return;
  if (ec) {
    on_connect_failed(ec, "cannot connect");
    return;
  }
  outage_reported_ = false;
  do_read();
}

void socket_receiver::on_connect_failed(const error_code& ec, const char* what) {
  // Once per outage: a server that is not up yet would otherwise flood the log.
  if (!outage_reported_) {
    outage_reported_ = true;
    report(name() + ": " + what + ": " + ec.message() + ", retrying every " +
           std::to_string(options_.reconnect_delay.count()) + " ms");
  }
  error_code ignored;
  socket_.close(ignored);  // a failed connect leaves nothing to flush
  wait_then(options_.reconnect_delay, &socket_receiver::do_resolve);
}

// ---- reading ------------------------------------------------------------

void socket_receiver::do_read() {
  if (stopping_) return;
  const auto region = assembler_->writable();
  if (region.size == 0) {
    // No free block: stop reading so that TCP pushes back on the sender.
    wait_then(backpressure_retry, &socket_receiver::do_read);
    return;
  }
  std::size_t want = region.size;
  if (options_.max_bytes_per_second > 0) {
    const auto now = std::chrono::steady_clock::now();
    const double rate = static_cast<double>(options_.max_bytes_per_second);
    tokens_ = std::min(bucket_bytes_,
                       tokens_ + std::chrono::duration<double>(now - refilled_at_).count() * rate);
    refilled_at_ = now;
    // Wait for a read worth 10 ms of the rate rather than read a few bytes at a time.
    const double chunk = std::clamp(rate / 100, 1.0, static_cast<double>(region.size));
    if (tokens_ < chunk) {
      wait_then(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>((chunk - tokens_) / rate)),
                &socket_receiver::do_read);
      return;
    }
    want = std::min(want, static_cast<std::size_t>(tokens_));
  }
  read_pending_ = true;
  socket_.async_read_some(asio::buffer(region.data, want),
                          [this](const error_code& ec, std::size_t n) { on_read(ec, n); });
}

void socket_receiver::on_read(const error_code& ec, std::size_t n) {
  read_pending_ = false;
  // Bytes read are kept whatever the outcome, even at shutdown.
  if (n > 0) {
    assembler_->commit(n);
    if (options_.max_bytes_per_second > 0) tokens_ -= static_cast<double>(n);
  }
  if (cancel_for_seal_) {
    cancel_for_seal_ = false;
    seal_now();
  }
  if (stopping_) return;
  if (!ec || ec == asio::error::operation_aborted) {
    // operation_aborted without stopping: the read was cancelled to seal.
    do_read();
    return;
  }
  on_disconnect(ec);
}

void socket_receiver::on_disconnect(const error_code& ec) {
  if (ec != asio::error::eof) {
    outage_reported_ = true;  // the retries that follow belong to this outage
    report(name() + ": connection lost: " + ec.message() + ", reconnecting every " +
           std::to_string(options_.reconnect_delay.count()) + " ms");
  }
  error_code ignored;
  socket_.close(ignored);  // the connection is gone either way
  do_finish();
}

void socket_receiver::do_finish() {
  if (stopping_) return;
  // finish() would wait for a block to carry the partial last line; waiting
  // here instead keeps the io thread answering seal requests.
  if (assembler_->writable().size == 0) {
    wait_then(backpressure_retry, &socket_receiver::do_finish);
    return;
  }
  assembler_->finish();
  wait_then(options_.reconnect_delay, &socket_receiver::do_resolve);
}

void socket_receiver::wait_then(std::chrono::steady_clock::duration delay,
                                void (socket_receiver::*step)()) {
  timer_.expires_after(delay);
  timer_.async_wait([this, step](const error_code& ec) {
    // operation_aborted: stop() cancelled the wait.
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) report(name() + ": timer failed: " + ec.message());
    (this->*step)();
  });
}

// ---- sealing ------------------------------------------------------------

void socket_receiver::seal() {
  std::unique_lock lock{mutex_};
  if (!started_ || stopped_ || io_done_) return;
  const std::uint64_t ticket = ++seal_requested_;
  lock.unlock();
  asio::post(io_, [this] { on_seal_request(); });
  lock.lock();
  sealed_.wait(lock, [&] { return seal_done_ >= ticket || stopped_ || io_done_; });
}

void socket_receiver::on_seal_request() {
  if (stopping_) return;
  {
    std::lock_guard lock{mutex_};
    if (seal_done_ >= seal_requested_) return;  // an earlier seal answered this one too
  }
  if (!read_pending_) {
    seal_now();
    return;
  }
  // The pending read writes into the current block: cancel it, and on_read
  // seals once it has committed what it read.
  if (cancel_for_seal_) return;
  cancel_for_seal_ = true;
  error_code ec;
  socket_.cancel(ec);
  if (ec) report(name() + ": cannot interrupt a read to seal: " + ec.message());
}

void socket_receiver::seal_now() {
  std::uint64_t upto = 0;
  {
    std::lock_guard lock{mutex_};
    upto = seal_requested_;
  }
  assembler_->seal();
  {
    std::lock_guard lock{mutex_};
    seal_done_ = std::max(seal_done_, upto);
  }
  sealed_.notify_all();
}

// ---- stopping -----------------------------------------------------------

void socket_receiver::do_stop() {
  stopping_ = true;
  resolver_.cancel();
  timer_.cancel();
  error_code ec;
  socket_.close(ec);  // completes a pending read with operation_aborted
  if (ec) report(name() + ": close failed: " + ec.message());
  work_.reset();
}

void socket_receiver::stop() {
  std::lock_guard stop_lock{stop_mutex_};
  {
    std::lock_guard lock{mutex_};
    if (stopped_) return;
    stopped_ = true;
  }
  sealed_.notify_all();
  if (thread_.joinable()) {
    asio::post(io_, [this] { do_stop(); });
    thread_.join();
  }
  if (assembler_) assembler_->finish();
}

void socket_receiver::report(const std::string& message) const {
  if (env_.on_error) env_.on_error(message);
}

}  // namespace gpustream::detail
