#include "generator_receiver.hpp"

#include <gpustream/core/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

namespace gpustream::detail {

generator_receiver::generator_receiver(generator_receiver_options options)
    : options_{options}, generator_{options.text} {}

generator_receiver::~generator_receiver() { stop(); }

std::string generator_receiver::name() const {
  std::string n = options_.text.kind == generated_text::logs ? "generator (log lines" : "generator (words";
  if (options_.bytes_per_second > 0) {
    n += ", " + std::to_string(options_.bytes_per_second) + " B/s";
  }
  return n + ")";
}

void generator_receiver::start(receiver_env env) {
  std::lock_guard lock{mutex_};
  GPUSTREAM_EXPECTS(!started_ && !stopping_, "generator_receiver: started twice");
  GPUSTREAM_EXPECTS(env.pool != nullptr && env.queue != nullptr, "generator_receiver: no pool or queue");
  env_ = std::move(env);
  started_ = true;
  thread_ = std::thread{[this] { run(); }};
}

void generator_receiver::push_locked() {
  if (current_.block && current_.bytes > 0) {
    // Replay: the block's text, full or not, is handed again when it comes back.
    if (options_.replay) replayable_[current_.block.data()] = filled{current_.bytes, current_.records};
    env_.queue->push(std::move(current_));
  }
  current_ = sealed_block{};
}

void generator_receiver::run() {
  using clock = std::chrono::steady_clock;
  // Writes in slices so that seal() never waits long for the lock.
  constexpr std::size_t slice = std::size_t{1} << 20;
  std::unique_lock lock{mutex_};
  if (options_.replay) {
    // Every block of the pool is filled once, up front; batches then get
    // these bytes again and again without generating anything. Filled
    // without the lock: seal() must not wait for it (a large pool takes
    // seconds), or the job generator's ticks would fall behind and then come
    // in a burst of empty batches. Text is generated for the first
    // replay_generated_bytes of the pool (about 0.5 GB/s on one core); later
    // blocks are copies of those, so that a pool of several
    // GiB for a GPU fills in about a second, not tens of seconds.
    lock.unlock();
    std::vector<pinned_block> all;
    std::vector<std::pair<const char*, filled>> done;
    std::size_t generated = 0;
    std::size_t next_copy = 0;  // the generated block that the next copy repeats
    for (pinned_block b = env_.pool->try_acquire(); b; b = env_.pool->try_acquire()) {
      {
        std::lock_guard check{mutex_};
        if (stopping_) break;
      }
      filled f;
      // The first block is always generated; every block of a pool has its one size.
      if (all.empty() || generated < options_.replay_generated_bytes) {
        const std::uint64_t lines_before = generator_.lines();
        f.bytes = generator_.fill(b.data(), b.capacity());
        f.records = generator_.lines() - lines_before;
        generated += b.capacity();
      } else {
        f = done[next_copy].second;
        std::memcpy(b.data(), all[next_copy].data(), f.bytes);
        next_copy = (next_copy + 1) % all.size();
      }
      done.emplace_back(b.data(), f);
      all.push_back(std::move(b));
    }
    lock.lock();
    for (const auto& [data, f] : done) replayable_[data] = f;
  }
  const auto start = clock::now();
  while (!stopping_) {
    if (options_.total_bytes > 0 && generated_ >= options_.total_bytes) break;
    std::uint64_t budget = UINT64_MAX;  // bytes the rate and the total allow now
    if (options_.bytes_per_second > 0) {
      const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
      const auto due = static_cast<std::uint64_t>(elapsed * static_cast<double>(options_.bytes_per_second));
      if (due <= generated_) {
        wake_.wait_for(lock, std::chrono::milliseconds{5});
        continue;
      }
      budget = due - generated_;
    }
    if (options_.total_bytes > 0) budget = std::min(budget, options_.total_bytes - generated_);
    const auto allowed = static_cast<std::size_t>(std::min<std::uint64_t>(budget, slice));
    if (!current_.block) {
      // The pool's blocks come back as batches are copied: wait without the lock.
      lock.unlock();
      pinned_block b = env_.pool->acquire_for(std::chrono::milliseconds{20});
      lock.lock();
      if (!b) continue;
      if (current_.block) continue;  // cannot happen: only this thread fills
      current_.block = std::move(b);
      current_.receiver = env_.id;
    }
    if (options_.replay && current_.bytes == 0) {
      const auto it = replayable_.find(current_.block.data());
      const bool within_total =
          options_.total_bytes == 0 || it == replayable_.end() || it->second.bytes <= options_.total_bytes - generated_;
      if (it != replayable_.end() && within_total) {
        if (it->second.bytes > budget) {
          // The rate does not allow the whole block yet: wait, keeping it.
          wake_.wait_for(lock, std::chrono::milliseconds{1});
          continue;
        }
        // Filled before: its text is still there.
        current_.bytes = it->second.bytes;
        current_.records = it->second.records;
        generated_ += current_.bytes;
        push_locked();
        continue;
      }
    }
    const std::size_t room = std::min(current_.block.capacity() - current_.bytes, allowed);
    const std::uint64_t lines_before = generator_.lines();
    const std::size_t n = generator_.fill(current_.block.data() + current_.bytes, room);
    current_.bytes += n;
    current_.records += generator_.lines() - lines_before;
    generated_ += n;
    if (n == 0) {
      if (room == current_.block.capacity() - current_.bytes) {
        push_locked();  // the block is full (no room for another line)
      } else if (options_.total_bytes > 0 && allowed == options_.total_bytes - generated_) {
        break;  // what is left of the total is less than a line
      } else {
        wake_.wait_for(lock, std::chrono::milliseconds{1});
      }
    }
  }
  done_ = true;
}

void generator_receiver::seal() {
  std::lock_guard lock{mutex_};
  if (!started_) return;
  push_locked();
}

void generator_receiver::stop() {
  {
    std::lock_guard lock{mutex_};
    if (!started_) {
      stopping_ = true;
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock{mutex_};
  push_locked();
}

bool generator_receiver::exhausted() const {
  std::lock_guard lock{mutex_};
  return done_ && !stopping_ && current_.bytes == 0;
}

}  // namespace gpustream::detail
