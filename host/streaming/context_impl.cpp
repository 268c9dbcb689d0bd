#include "context_impl.hpp"

#include "../receivers/directory_receiver.hpp"
#include "../receivers/generator_receiver.hpp"
#include "../receivers/queue_receiver.hpp"
#include "../receivers/socket_receiver.hpp"

#include <gpustream/column/convert.hpp>
#include <gpustream/core/error.hpp>

#include <omp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace gpustream::detail {

namespace {

// The context whose job generator, copier or processor runs on this thread.
// Set by the thread itself: reading the std::thread members instead would
// race with their assignment in start() and their join() in stop().
thread_local const context_impl* own_context = nullptr;

std::int64_t ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

context_impl::context_impl(streaming_options options) : options_{options} {
  GPUSTREAM_EXPECTS(options.batch_interval.count() > 0,
                    "the batch interval must be positive (got " +
                        std::to_string(options.batch_interval.count()) + " ms)");
  GPUSTREAM_EXPECTS(options.max_record_bytes > 0, "the maximum record size must be positive");
  GPUSTREAM_EXPECTS(options.block_bytes / 2 >= options.max_record_bytes,
                    "the block size (" + std::to_string(options.block_bytes) +
                        " bytes) must be at least twice the maximum record size (" +
                        std::to_string(options.max_record_bytes) + " bytes)");
  GPUSTREAM_EXPECTS(options.blocks_per_receiver >= 2, "each receiver needs at least 2 blocks");
  GPUSTREAM_EXPECTS(options.checkpoint_interval.count() >= 0 &&
                        options.checkpoint_interval.count() % options.batch_interval.count() == 0,
                    "the checkpoint interval (" + std::to_string(options.checkpoint_interval.count()) +
                        " ms) must be a multiple of the batch interval (" +
                        std::to_string(options.batch_interval.count()) + " ms)");
  if (!options.checkpoint_directory.empty()) ckpt_dir_ = options.checkpoint_directory;
  backend_ = resolve_backend(options.requested_backend);
  log_ = options.log != nullptr ? options.log : &std::cerr;
  out_ = options.out != nullptr ? options.out : &std::cout;
}

context_impl::~context_impl() {
  try {
    stop(false);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor does not throw
  }
  if (error_stopper_.joinable()) error_stopper_.join();
  signals_.reset();
  release_checkpoint_lock();
}

void context_impl::abandon_start(std::size_t receivers_started) {
  for (std::size_t i = 0; i < receivers_started; ++i) inputs_[i]->source->stop();
  release_checkpoint_lock();
  std::lock_guard lock{mutex_};
  state_ = state::stopped;
  state_changed_.notify_all();
}

void context_impl::release_checkpoint_lock() noexcept {
  if (ckpt_lock_fd_ >= 0) ::close(ckpt_lock_fd_);
  ckpt_lock_fd_ = -1;
}

void context_impl::expect_building(const char* what) const {
  std::lock_guard lock{mutex_};
  GPUSTREAM_EXPECTS(state_ == state::initialized,
                    std::string{what} + ": the DStream graph cannot change once the streaming_context " +
                        (state_ == state::active ? "has started" : "has stopped"));
}

node_ptr context_impl::add_input(std::unique_ptr<receiver> r) {
  expect_building("adding an input stream");
  auto in = std::make_unique<input>();
  in->name = r->name();
  in->source = std::move(r);
  in->pool = std::make_unique<pinned_block_pool>(options_.block_bytes, options_.blocks_per_receiver, backend_);
  std::lock_guard lock{mutex_};
  in->id = static_cast<int>(inputs_.size());
  node_ptr n = make_input_node(weak_from_this(), inputs_.size());
  inputs_.push_back(std::move(in));
  input_nodes_.push_back(n);
  return n;
}

void context_impl::add_output(std::unique_ptr<output_op> op) {
  std::lock_guard lock{mutex_};
  GPUSTREAM_EXPECTS(state_ == state::initialized,
                    "an output operation cannot be added once the streaming_context has started");
  outputs_.push_back(std::move(op));
}

void context_impl::add_per_batch_node(node_ptr n) {
  std::lock_guard lock{mutex_};
  GPUSTREAM_EXPECTS(state_ == state::initialized, "the DStream graph cannot change once the streaming_context has started");
  per_batch_nodes_.push_back(std::move(n));
}

void context_impl::set_checkpoint_directory(const std::string& dir) {
  GPUSTREAM_EXPECTS(!dir.empty(), "checkpoint(): an empty directory name");
  expect_building("checkpoint()");
  ckpt_dir_ = dir;
}

std::optional<batch_time> context_impl::recovered_from() const {
  std::lock_guard lock{mutex_};
  return recovered_from_;
}

void context_impl::add_listener(std::shared_ptr<streaming_listener> l) {
  GPUSTREAM_EXPECTS(l != nullptr, "add_listener: a null listener");
  std::lock_guard lock{mutex_};
  listeners_.push_back(std::move(l));
}

template <class F>
void context_impl::notify(F&& f) {
  std::vector<std::shared_ptr<streaming_listener>> ls;
  {
    std::lock_guard lock{mutex_};
    ls = listeners_;
  }
  std::lock_guard lock{notify_mutex_};
  for (const auto& l : ls) {
    try {
      f(*l);
    } catch (const std::exception& e) {
      log_line(std::string{"[warn] a streaming listener threw: "} + e.what());
    } catch (...) {
      log_line("[warn] a streaming listener threw");
    }
  }
}

void context_impl::log_line(const std::string& line) {
  static std::mutex log_mutex;
  std::lock_guard lock{log_mutex};
  *log_ << line << '\n' << std::flush;
}

void context_impl::start() {
  {
    std::lock_guard lock{mutex_};
    GPUSTREAM_EXPECTS(state_ != state::active, "start(): the streaming_context is already active");
    GPUSTREAM_EXPECTS(state_ != state::stopped,
                      "start(): a stopped streaming_context cannot be started again; create a new one");
    GPUSTREAM_EXPECTS(!outputs_.empty(),
                      "start(): no output operation is registered (print, save_as_text_files or foreach_batch), "
                      "so there is nothing to run");
  }
  GPUSTREAM_EXPECTS(!options_.write_ahead_log || !ckpt_dir_.empty(),
                    "start(): the write-ahead log needs a checkpoint directory (checkpoint(dir))");
  copy_stream_.emplace(backend_);
  compute_stream_.emplace(backend_);
  if (!ckpt_dir_.empty()) {
    const std::int64_t interval = options_.batch_interval.count();
    ckpt_every_ms_ = options_.checkpoint_interval.count() > 0 ? options_.checkpoint_interval.count()
                                                              : (10000 + interval - 1) / interval * interval;
    try {
      recover();
    } catch (...) {
      abandon_start(0);
      throw;
    }
  }

  // Receivers start first; if one fails, the others stop and the context with them.
  std::size_t started = 0;
  try {
    for (auto& in : inputs_) {
      receiver_env env;
      env.pool = in->pool.get();
      env.queue = &in->queue;
      env.id = in->id;
      env.max_record_bytes = options_.max_record_bytes;
      const int id = in->id;
      const std::string name = in->name;
      env.on_error = [this, id, name](const std::string& message) {
        log_line("[warn] receiver " + std::to_string(id) + " (" + name + "): " + message);
        notify([&](streaming_listener& l) { l.on_receiver_error(receiver_info{id, name, message}); });
      };
      env.on_oversized = [this, id, name](std::size_t bytes) {
        oversized_.fetch_add(1);
        log_line("[warn] receiver " + std::to_string(id) + " (" + name + "): dropped a record of " +
                 std::to_string(bytes) + "+ bytes, over the maximum record size of " +
                 std::to_string(options_.max_record_bytes) + " bytes");
      };
      env.on_skipped_file = [this] { skipped_files_.fetch_add(1); };
      in->source->start(std::move(env));
      ++started;
      notify([&](streaming_listener& l) { l.on_receiver_started(receiver_info{id, name, {}}); });
    }
  } catch (...) {
    abandon_start(started);
    throw;
  }

  const auto interval = options_.batch_interval.count();
  start_wall_ = std::chrono::system_clock::now();
  start_steady_ = clock::now();
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(start_wall_.time_since_epoch()).count();
  next_time_ = (now_ms / interval + 1) * interval;
  zero_time_ = next_time_ - interval;
  if (recovered_from_) {
    // Windows slide from the first run's zero time; batch times only grow.
    zero_time_ = *recovered_zero_time_;
    next_time_ = std::max(next_time_, *recovered_from_ + interval);
    if (!replay_.empty()) next_time_ = std::max(next_time_, replay_.back().time + interval);
    log_line("[info] recovered from checkpoint " + checkpoint_path(*recovered_from_).string() + " (batch time " +
             std::to_string(*recovered_from_) + " ms); " + std::to_string(replay_.size()) +
             " batch(es) of the write-ahead log run again");
  } else if (!ckpt_dir_.empty()) {
    std::vector<std::string> positions;
    for (auto& in : inputs_) positions.push_back(in->source->start_position());
    try {
      write_checkpoint(zero_time_, positions);
    } catch (...) {
      abandon_start(inputs_.size());
      throw;
    }
  }
  for (auto& j : replay_) {
    j.submitted = clock::now();
    const batch_info info = info_of(j);
    notify([&](streaming_listener& l) { l.on_batch_submitted(info); });
    jobs_.push_back(std::move(j));
  }
  replay_.clear();
  {
    std::lock_guard lock{mutex_};
    state_ = state::active;
  }
  log_line("[info] streaming context started: backend " + describe_backend(backend_) + ", batch interval " +
           std::to_string(interval) + " ms, " + std::to_string(inputs_.size()) + " input stream(s)");
  processor_ = std::thread{[this] { processor_loop(); }};
  copier_ = std::thread{[this] { copier_loop(); }};
  generator_ = std::thread{[this] { generator_loop(); }};
  if (options_.stop_on_signals) {
    std::exception_ptr failed;
    {
      // A stop already under way (a failed first batch) has ended or will
      // end the watch: stop() resets it under the same lock.
      std::lock_guard stop_lock{stop_mutex_};
      if (current_state() == state::active) {
        try {
          signals_.emplace([this](int sig) {
            log_line(std::string{"[info] streaming context: "} + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                     ": stopping gracefully (send it again to stop at once)");
            stop_beside(true);
          });
        } catch (...) {
          failed = std::current_exception();
        }
      }
    }
    if (failed) {
      stop(false);
      std::rethrow_exception(failed);
    }
  }
}

// ---- job generator ----

context_impl::job context_impl::cut_batch(batch_time t) {
  job j;
  j.time = t;
  j.blocks.reserve(inputs_.size());
  if (!ckpt_dir_.empty()) {
    // Each receiver's blocks and its position right after them, as one step.
    for (auto& in : inputs_) {
      j.blocks.emplace_back();
      j.positions.push_back(in->source->cut(in->queue, j.blocks.back()));
    }
  } else {
    for (auto& in : inputs_) in->source->seal();
    for (auto& in : inputs_) j.blocks.push_back(in->queue.take_all());
  }
  for (const auto& blocks : j.blocks) {
    for (const auto& b : blocks) j.bytes += b.bytes;
  }
  j.oversized = oversized_.exchange(0);
  j.skipped_files = skipped_files_.exchange(0);
  j.submitted = clock::now();
  return j;
}

batch_info context_impl::info_of(const job& j) const {
  batch_info info;
  info.time = j.time;
  info.bytes = j.bytes;
  info.oversized_records = j.oversized;
  info.skipped_files = j.skipped_files;
  return info;
}

void context_impl::generator_loop() {
  own_context = this;
  std::unique_lock lock{tick_mutex_};
  for (;;) {
    const auto due = start_steady_ + std::chrono::milliseconds{next_time_} -
                     std::chrono::duration_cast<std::chrono::milliseconds>(start_wall_.time_since_epoch());
    tick_wake_.wait_until(lock, due, [this] { return receivers_stopped_; });
    const bool last = receivers_stopped_;
    const batch_time t = next_time_;
    next_time_ += options_.batch_interval.count();
    lock.unlock();
    job j = cut_batch(t);
    j.last = last;
    // Listeners hear of the batch before the copier and the processor can see
    // it, so that its started and completed events always come after this one.
    const batch_info info = info_of(j);
    notify([&](streaming_listener& l) { l.on_batch_submitted(info); });
    {
      std::lock_guard jobs_lock{jobs_mutex_};
      jobs_.push_back(std::move(j));
    }
    jobs_changed_.notify_all();
    lock.lock();
    if (last) break;
  }
}

// ---- copier ----

context_impl::staged_job context_impl::stage(job&& j) {
  staged_job out;
  out.texts.reserve(j.blocks.size());
  const stream_view s = *copy_stream_;
  for (auto& blocks : j.blocks) {
    std::size_t total = 0;
    for (const auto& b : blocks) total += b.bytes;
    auto text = std::make_shared<array<char>>(static_cast<size_type>(total), s);
    std::size_t offset = 0;
    for (const auto& b : blocks) {
      copy_bytes(text->data() + offset, b.block.data(), b.bytes, s);
      offset += b.bytes;
    }
    out.texts.push_back(std::move(text));
  }
  s.synchronize();
  // The copies are done: the blocks go back to their receivers' pools.
  for (auto& blocks : j.blocks) blocks.clear();
  out.info = std::move(j);
  return out;
}

void context_impl::copier_loop() {
  own_context = this;
  for (;;) {
    job j;
    {
      std::unique_lock lock{jobs_mutex_};
      jobs_changed_.wait(lock, [this] { return !jobs_.empty(); });
      j = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const bool last = j.last;
    staged_job sj;
    if (!dropping_.load()) {
      try {
        if (!j.replay.empty()) {
          sj = load_logged(std::move(j));
        } else {
          if (options_.write_ahead_log) write_log(j);
          sj = stage(std::move(j));
        }
      } catch (...) {
        fail(std::current_exception());
      }
    }
    if (sj.texts.empty() && !j.blocks.empty()) {
      // Dropped (a stop that is not graceful, or a failure): blocks go back now.
      for (auto& blocks : j.blocks) blocks.clear();
      sj.info = std::move(j);
      sj.dropped = true;
    }
    {
      std::unique_lock lock{jobs_mutex_};
      jobs_changed_.wait(lock, [this] { return staged_.size() < max_staged || dropping_.load(); });
      staged_.push_back(std::move(sj));
    }
    jobs_changed_.notify_all();
    if (last) return;
  }
}

// ---- processor ----

void context_impl::processor_loop() {
  own_context = this;
  if (backend_ == backend::cpu) cpu_threads_max_ = omp_get_max_threads();
  for (;;) {
    staged_job sj;
    {
      std::unique_lock lock{jobs_mutex_};
      jobs_changed_.wait(lock, [this] { return !staged_.empty(); });
      sj = std::move(staged_.front());
      staged_.pop_front();
    }
    jobs_changed_.notify_all();
    const bool last = sj.info.last;
    if (sj.dropped || dropping_.load()) {
      ++dropped_batches_;
      dropped_bytes_ += sj.info.bytes;
    } else {
      try {
        process(sj);
        const batch_time t = sj.info.time;
        if (!ckpt_dir_.empty() && (last || (t - zero_time_) % ckpt_every_ms_ == 0)) {
          write_checkpoint(t, sj.info.positions);
        }
      } catch (...) {
        fail(std::current_exception());
      }
    }
    if (last) return;
  }
}

// A small batch's many short parallel regions cost more in forks, joins and
// spin-waiting threads than their work gains: it runs on one thread. Work
// that grew (a long batch before: large state or windows) goes back to all
// threads, with hysteresis so that a stream near the line does not flip
// every batch. Thrust's OpenMP system and gpustream's own CPU kernels both
// size their teams by this thread's omp_get_max_threads().
void context_impl::choose_cpu_threads(std::uint64_t bytes) {
  using namespace std::chrono_literals;
  if (cpu_threads_max_ <= 1) return;
  const int now = omp_get_max_threads();  // this thread's team size, as set for the batch before
  const bool one = bytes < options_.cpu_parallel_bytes && last_processing_ < (now == 1 ? 10ms : 3ms);
  const int want = one ? 1 : cpu_threads_max_;
  if (want != now) omp_set_num_threads(want);
}

void context_impl::process(staged_job& sj) {
  batch_info info = info_of(sj.info);
  if (backend_ == backend::cpu) choose_cpu_threads(sj.info.bytes);
  const auto started = clock::now();
  info.scheduling_delay = std::chrono::milliseconds{ms(started - sj.info.submitted)};
  notify([&](streaming_listener& l) { l.on_batch_started(info); });

  batch_run run;
  run.time = sj.info.time;
  run.zero_time = zero_time_;
  run.s = *compute_stream_;
  run.inputs = &sj.texts;
  run.out = out_;
  std::uint64_t records = 0;
  // Every line of a batch ends with '\n' (the receivers seal whole lines).
  for (const auto& text : sj.texts) records += static_cast<std::uint64_t>(count_bytes(text->view(), '\n', run.s));
  for (const auto& n : per_batch_nodes_) n->evaluate(run);
  for (const auto& op : outputs_) op->run(run);
  compute_stream_->synchronize();
  run.results.clear();
  sj.texts.clear();

  const auto ended = clock::now();
  last_processing_ = ended - started;
  info.records = records;
  for (const auto& n : per_batch_nodes_) info.state_keys += n->state_keys();
  info.processing_delay = std::chrono::milliseconds{ms(ended - started)};
  info.total_delay = info.scheduling_delay + info.processing_delay;
  completed_.fetch_add(1);
  notify([&](streaming_listener& l) { l.on_batch_completed(info); });
  if (options_.log_batches) {
    char line[320];
    std::snprintf(line, sizeof line,
                  "[info] batch %lld ms: %llu records, %.2f MiB, scheduling delay %lld ms, processing delay "
                  "%lld ms, total delay %lld ms",
                  static_cast<long long>(info.time), static_cast<unsigned long long>(info.records),
                  static_cast<double>(info.bytes) / (1 << 20),
                  static_cast<long long>(info.scheduling_delay.count()),
                  static_cast<long long>(info.processing_delay.count()),
                  static_cast<long long>(info.total_delay.count()));
    std::string text = line;
    if (info.state_keys > 0) text += ", " + std::to_string(info.state_keys) + " state keys";
    if (info.oversized_records > 0) {
      text += ", " + std::to_string(info.oversized_records) + " oversized record(s) dropped";
    }
    if (info.skipped_files > 0) text += ", " + std::to_string(info.skipped_files) + " non-text file(s) skipped";
    log_line(text);
  }
}

// ---- failure and stop ----

void context_impl::fail(std::exception_ptr e) {
  std::string what = "unknown error";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {  // NOLINT(bugprone-empty-catch)
  }
  log_line("[error] streaming context: " + what + "; stopping");
  dropping_.store(true);
  jobs_changed_.notify_all();
  {
    std::lock_guard lock{mutex_};
    if (!error_) error_ = e;
  }
  stop_beside(false);
}

void context_impl::stop_beside(bool graceful) {
  std::lock_guard lock{mutex_};
  if (!stop_requested_ && state_ == state::active) {
    stop_requested_ = true;
    error_stopper_ = std::thread{[this, graceful] { stop(graceful); }};
  }
}

bool context_impl::on_own_thread() const { return own_context == this; }

void context_impl::stop(bool graceful) {
  if (on_own_thread()) {
    // From an output operation or a listener: the stop cannot wait for the
    // thread that asks for it, so it runs beside it.
    stop_beside(graceful);
    return;
  }
  std::lock_guard stop_lock{stop_mutex_};
  {
    std::lock_guard lock{mutex_};
    if (state_ == state::initialized) {
      state_ = state::stopped;
      state_changed_.notify_all();
      return;
    }
    if (state_ == state::stopped) return;
  }
  if (!graceful) {
    dropping_.store(true);
    jobs_changed_.notify_all();
  }
  // Receivers stop while batches are still cut, so that one waiting for a free
  // block to hand over its last line gets it.
  {
    std::vector<std::thread> stoppers;
    stoppers.reserve(inputs_.size());
    for (auto& in : inputs_) stoppers.emplace_back([&in] { in->source->stop(); });
    for (auto& t : stoppers) t.join();
  }
  for (auto& in : inputs_) {
    notify([&](streaming_listener& l) { l.on_receiver_stopped(receiver_info{in->id, in->name, {}}); });
  }
  {
    std::lock_guard lock{tick_mutex_};
    receivers_stopped_ = true;
  }
  tick_wake_.notify_all();
  generator_.join();
  copier_.join();
  processor_.join();
  std::string summary = "[info] streaming context stopped (" + std::string{graceful ? "graceful" : "immediate"} +
                        "): " + std::to_string(completed_.load()) + " batches completed";
  if (dropped_batches_ > 0) {
    summary += "; " + std::to_string(dropped_batches_) + " pending batch(es) of " + std::to_string(dropped_bytes_) +
               " bytes dropped";
  }
  log_line(summary);
  release_checkpoint_lock();  // every thread that writes checkpoints has ended
  signals_.reset();           // the previous signal handlers come back
  std::lock_guard lock{mutex_};
  state_ = state::stopped;
  state_changed_.notify_all();
}

bool context_impl::await(std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock lock{mutex_};
  auto stopped = [this] { return state_ == state::stopped; };
  if (timeout) {
    if (!state_changed_.wait_for(lock, *timeout, stopped)) return false;
  } else {
    state_changed_.wait(lock, stopped);
  }
  if (error_) std::rethrow_exception(error_);
  return true;
}

streaming_context::state context_impl::current_state() const {
  std::lock_guard lock{mutex_};
  return state_;
}

}  // namespace gpustream::detail

// ---- the public class ----

namespace gpustream {

streaming_context::streaming_context(streaming_options options)
    : impl_{std::make_shared<detail::context_impl>(options)} {}

streaming_context::streaming_context(std::chrono::milliseconds batch_interval, backend b)
    : streaming_context{[&] {
        streaming_options o;
        o.batch_interval = batch_interval;
        o.requested_backend = b;
        return o;
      }()} {}

streaming_context::~streaming_context() = default;

dstream<std::string> streaming_context::socket_text_stream(const std::string& host, std::uint16_t port,
                                                           socket_stream_options options) {
  detail::socket_receiver_options o;
  o.host = host;
  o.port = port;
  o.max_bytes_per_second = options.max_bytes_per_second;
  o.reconnect_delay = options.reconnect_delay;
  return dstream<std::string>{impl_->add_input(std::make_unique<detail::socket_receiver>(o))};
}

dstream<std::string> streaming_context::text_file_stream(const std::string& directory,
                                                         file_stream_options options) {
  detail::directory_receiver_options o;
  o.directory = directory;
  o.poll_interval = options.poll_interval;
  o.new_files_only = options.new_files_only;
  o.filter = std::move(options.filter);
  o.binary_files = options.binary_files;
  return dstream<std::string>{impl_->add_input(std::make_unique<detail::directory_receiver>(o))};
}

dstream<std::string> streaming_context::queue_stream(std::vector<std::vector<std::string>> batches) {
  return dstream<std::string>{impl_->add_input(std::make_unique<detail::queue_receiver>(std::move(batches)))};
}

dstream<std::string> streaming_context::generator_stream(generator_stream_options options) {
  detail::generator_receiver_options o;
  o.text = options.text;
  o.bytes_per_second = options.bytes_per_second;
  o.total_bytes = options.total_bytes;
  o.replay = options.replay;
  o.replay_generated_bytes = options.replay_generated_bytes;
  return dstream<std::string>{impl_->add_input(std::make_unique<detail::generator_receiver>(o))};
}

void streaming_context::checkpoint(const std::string& directory) { impl_->set_checkpoint_directory(directory); }

std::unique_ptr<streaming_context> streaming_context::get_or_create(
    const std::string& directory, const std::function<std::unique_ptr<streaming_context>()>& factory) {
  GPUSTREAM_EXPECTS(factory != nullptr, "get_or_create: an empty factory");
  std::unique_ptr<streaming_context> ctx = factory();
  GPUSTREAM_EXPECTS(ctx != nullptr, "get_or_create: the factory returned no context");
  ctx->checkpoint(directory);
  return ctx;
}

std::optional<batch_time> streaming_context::recovered_from() const { return impl_->recovered_from(); }

void streaming_context::add_listener(std::shared_ptr<streaming_listener> listener) {
  impl_->add_listener(std::move(listener));
}

void streaming_context::start() { impl_->start(); }
void streaming_context::stop(bool graceful) { impl_->stop(graceful); }
void streaming_context::await_termination() { impl_->await(std::nullopt); }
bool streaming_context::await_termination_or_timeout(std::chrono::milliseconds timeout) {
  return impl_->await(timeout);
}
streaming_context::state streaming_context::current_state() const { return impl_->current_state(); }
backend streaming_context::active_backend() const noexcept { return impl_->active_backend(); }
std::chrono::milliseconds streaming_context::batch_interval() const noexcept {
  return impl_->options().batch_interval;
}
std::uint64_t streaming_context::batches_completed() const { return impl_->batches_completed(); }

}  // namespace gpustream
