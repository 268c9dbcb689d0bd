#pragma once

// Drives a receiver the way the streaming runtime does, for tests of the
// receivers on their own: a collector seals and drains it, and
// receiver_events records what it reports.

#include "reference.hpp"

#include "receivers/block_queue.hpp"
#include "receivers/receiver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {

/// Drains a receiver like the job generator does: seal(), take_all(), then
/// copies the blocks' bytes out and releases the blocks at once.
class collector {
 public:
  collector(detail::receiver& r, detail::block_queue& q) : receiver_{r}, queue_{q} {}
  ~collector() { finish(); }
  collector(const collector&) = delete;
  collector& operator=(const collector&) = delete;

  /// Drains every `period` on a thread of its own.
  void start(std::chrono::milliseconds period = std::chrono::milliseconds{2}) {
    if (thread_running_) return;
    thread_running_ = true;
    quit_ = false;
    thread_ = std::thread{[this, period] {
      while (!quit_) {
        receiver_.seal();
        take();
        std::this_thread::sleep_for(period);
      }
    }};
  }

  /// Moves the queue's blocks into the collected text.
  void take() {
    auto blocks = queue_.take_all();
    std::lock_guard lock{mutex_};
    for (auto& b : blocks) {
      const std::string bytes(b.block.data(), b.bytes);
      b.block.reset();
      ++blocks_;
      if (bytes.empty() || bytes.back() != '\n') blocks_end_in_newline_ = false;
      for (auto& line : ref_split_lines(bytes)) block_lines_.push_back(std::move(line));
      text_ += bytes;
    }
  }

  /// Stops the receiver while still draining (its last line may need a free
  /// block), then stops draining and takes what is left.
  void finish() {
    start();
    receiver_.stop();
    quit_ = true;
    if (thread_.joinable()) thread_.join();
    thread_running_ = false;
    take();
  }

  /// Waits until at least `bytes` bytes were collected; false on time-out.
  bool wait_for_bytes(std::size_t bytes, std::chrono::milliseconds timeout = std::chrono::seconds{10}) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (size() < bytes) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    return true;
  }

  std::size_t size() const {
    std::lock_guard lock{mutex_};
    return text_.size();
  }
  std::string text() const {
    std::lock_guard lock{mutex_};
    return text_;
  }
  std::size_t blocks() const {
    std::lock_guard lock{mutex_};
    return blocks_;
  }

  /// Every block ends with '\n', and splitting each block into lines gives
  /// the lines of the whole text: no line was cut at a block boundary.
  void expect_whole_lines() const {
    std::lock_guard lock{mutex_};
    EXPECT_TRUE(blocks_end_in_newline_) << "a block does not end with '\\n'";
    EXPECT_TRUE(ref_split_lines(text_) == block_lines_) << "a line was split across blocks";
  }

 private:
  detail::receiver& receiver_;
  detail::block_queue& queue_;
  std::thread thread_;
  bool thread_running_ = false;
  std::atomic<bool> quit_{false};

  mutable std::mutex mutex_;
  std::string text_;
  std::vector<std::string> block_lines_;
  std::size_t blocks_ = 0;
  bool blocks_end_in_newline_ = true;
};

/// Calls r.seal() and waits at most `timeout` for it to return; if it does
/// not, fails and stops the receiver (which releases seal()), so that a
/// broken seal() fails the test instead of hanging it.
inline bool seal_within(detail::receiver& r, std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread t{[&] {
    r.seal();
    std::lock_guard lock{m};
    done = true;
    cv.notify_all();
  }};
  std::unique_lock lock{m};
  const bool in_time = cv.wait_for(lock, timeout, [&] { return done; });
  lock.unlock();
  if (!in_time) {
    ADD_FAILURE() << "seal() did not return within " << timeout.count() << " ms";
    r.stop();
  }
  t.join();
  return in_time;
}

/// Errors and oversized records a receiver reported.
class receiver_events {
 public:
  /// An environment whose callbacks record into this object.
  detail::receiver_env env(pinned_block_pool& pool, detail::block_queue& queue, std::size_t max_record,
                           int id = 1) {
    detail::receiver_env e;
    e.pool = &pool;
    e.queue = &queue;
    e.id = id;
    e.max_record_bytes = max_record;
    e.on_error = [this](const std::string& m) {
      std::lock_guard lock{mutex_};
      errors_.push_back(m);
    };
    e.on_oversized = [this](std::size_t n) {
      std::lock_guard lock{mutex_};
      oversized_.push_back(n);
    };
    e.on_skipped_file = [this] {
      std::lock_guard lock{mutex_};
      ++skipped_files_;
    };
    return e;
  }
  std::vector<std::string> error_list() const {
    std::lock_guard lock{mutex_};
    return errors_;
  }
  std::vector<std::size_t> oversized_list() const {
    std::lock_guard lock{mutex_};
    return oversized_;
  }
  std::size_t skipped_files() const {
    std::lock_guard lock{mutex_};
    return skipped_files_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> errors_;
  std::vector<std::size_t> oversized_;
  std::size_t skipped_files_ = 0;
};

}  // namespace gpustream::test
