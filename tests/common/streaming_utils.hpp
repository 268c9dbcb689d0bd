#pragma once

// Shared by the end-to-end tests of the streaming runtime: a fixture with
// small, fast settings that runs on each backend, a listener that records
// every event, and sinks that gather each batch's records on the host.

#include "random_text.hpp"
#include "reference.hpp"
#include "test_utils.hpp"

#include <gpustream/gpustream.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpustream::test {

using word_counts = std::map<std::string, std::int64_t>;

/// Empty when `got` equals `want`; else the first differences, readable.
inline std::string count_difference(const word_counts& got, const word_counts& want, std::size_t max_shown = 8) {
  std::ostringstream diff;
  std::size_t shown = 0;
  std::size_t differ = 0;
  auto note = [&](const std::string& w, std::int64_t g, std::int64_t x) {
    ++differ;
    if (shown++ < max_shown) diff << "  '" << escaped(w, 60) << "': got " << g << ", expected " << x << '\n';
  };
  for (const auto& [w, n] : want) {
    const auto it = got.find(w);
    const std::int64_t g = it == got.end() ? 0 : it->second;
    if (g != n) note(w, g, n);
  }
  for (const auto& [w, n] : got) {
    if (want.count(w) == 0) note(w, n, 0);
  }
  if (differ == 0) return {};
  return std::to_string(differ) + " word(s) differ (" + std::to_string(got.size()) + " distinct got, " +
         std::to_string(want.size()) + " expected):\n" + diff.str();
}

/// Sums (word, count) records over every batch, as foreach_batch gives them.
class count_sink {
 public:
  void add(const std::vector<word_pair>& batch) {
    std::lock_guard lock{mutex_};
    ++batches_;
    std::map<std::string_view, int> seen;
    for (const auto& [w, n] : batch) {
      if (seen[w]++ > 0) ++duplicate_keys_;  // reduce_by_key gives each key once per batch
      totals_[w] += n;
    }
  }
  word_counts totals() const {
    std::lock_guard lock{mutex_};
    return totals_;
  }
  std::int64_t total_words() const {
    std::lock_guard lock{mutex_};
    std::int64_t n = 0;
    for (const auto& [w, c] : totals_) n += c;
    return n;
  }
  std::size_t batches() const {
    std::lock_guard lock{mutex_};
    return batches_;
  }
  std::size_t duplicate_keys() const {
    std::lock_guard lock{mutex_};
    return duplicate_keys_;
  }

 private:
  mutable std::mutex mutex_;
  word_counts totals_;
  std::size_t batches_ = 0;
  std::size_t duplicate_keys_ = 0;
};

/// The word count of the D-Streams paper on `lines`, each batch's result
/// summed into the returned sink.
inline std::shared_ptr<count_sink> count_words(const dstream<std::string>& lines) {
  auto sink = std::make_shared<count_sink>();
  lines.flat_map(split_words).map(pair_with_one).reduce_by_key().foreach_batch(
      [sink](const std::vector<word_pair>& batch, batch_time) { sink->add(batch); });
  return sink;
}

/// Every batch's records and time, in the order foreach_batch gave them.
template <class T>
class batch_log {
 public:
  struct batch {
    batch_time time = 0;
    std::vector<T> records;
  };
  void add(const std::vector<T>& records, batch_time t) {
    std::lock_guard lock{mutex_};
    batches_.push_back(batch{t, records});
  }
  std::vector<batch> batches() const {
    std::lock_guard lock{mutex_};
    return batches_;
  }
  std::size_t size() const {
    std::lock_guard lock{mutex_};
    return batches_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<batch> batches_;
};

/// Registers foreach_batch on `s`, logging each batch.
template <class T>
std::shared_ptr<batch_log<T>> log_batches(const dstream<T>& s) {
  auto log = std::make_shared<batch_log<T>>();
  s.foreach_batch([log](const std::vector<T>& records, batch_time t) { log->add(records, t); });
  return log;
}

/// One listener event as it came.
struct listener_event {
  enum class type { batch_submitted, batch_started, batch_completed, receiver_started, receiver_stopped, receiver_error };
  type what = type::batch_submitted;
  batch_info batch{};
  receiver_info receiver{};
};

/// Records every event, and keeps running sums over completed batches that
/// tests can poll while the context runs.
class recording_listener final : public streaming_listener {
 public:
  using type = listener_event::type;
  void on_batch_submitted(const batch_info& i) override { add({type::batch_submitted, i, {}}); }
  void on_batch_started(const batch_info& i) override { add({type::batch_started, i, {}}); }
  void on_batch_completed(const batch_info& i) override {
    std::lock_guard lock{mutex_};
    events_.push_back({type::batch_completed, i, {}});
    ++completed_;
    bytes_ += i.bytes;
    records_ += i.records;
    oversized_ += i.oversized_records;
    skipped_files_ += i.skipped_files;
  }
  void on_receiver_started(const receiver_info& r) override { add({type::receiver_started, {}, r}); }
  void on_receiver_stopped(const receiver_info& r) override { add({type::receiver_stopped, {}, r}); }
  void on_receiver_error(const receiver_info& r) override { add({type::receiver_error, {}, r}); }

  std::vector<listener_event> events() const {
    std::lock_guard lock{mutex_};
    return events_;
  }
  /// The infos of one kind of batch event, in order.
  std::vector<batch_info> batches(type what) const {
    std::lock_guard lock{mutex_};
    std::vector<batch_info> out;
    for (const auto& e : events_) {
      if (e.what == what) out.push_back(e.batch);
    }
    return out;
  }
  std::vector<receiver_info> receivers(type what) const {
    std::lock_guard lock{mutex_};
    std::vector<receiver_info> out;
    for (const auto& e : events_) {
      if (e.what == what) out.push_back(e.receiver);
    }
    return out;
  }
  std::uint64_t completed_batches() const {
    std::lock_guard lock{mutex_};
    return completed_;
  }
  std::uint64_t completed_bytes() const {
    std::lock_guard lock{mutex_};
    return bytes_;
  }
  std::uint64_t completed_records() const {
    std::lock_guard lock{mutex_};
    return records_;
  }
  std::uint64_t oversized_records() const {
    std::lock_guard lock{mutex_};
    return oversized_;
  }
  std::uint64_t skipped_files() const {
    std::lock_guard lock{mutex_};
    return skipped_files_;
  }

 private:
  void add(listener_event e) {
    std::lock_guard lock{mutex_};
    events_.push_back(std::move(e));
  }
  mutable std::mutex mutex_;
  std::vector<listener_event> events_;
  std::uint64_t completed_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t oversized_ = 0;
  std::uint64_t skipped_files_ = 0;
};

/// Runs a streaming test once per backend, with small pools, a short batch
/// interval, and the context's log and print() output kept in strings. Read
/// log_ and out_ only once the context has stopped (its threads write them).
class streaming_test : public backend_test {
 public:
  static constexpr std::size_t block_bytes = 256 * 1024;
  static constexpr std::size_t blocks_per_receiver = 4;
  static constexpr std::size_t max_record_bytes = 64 * 1024;

 protected:

  streaming_options options(std::chrono::milliseconds interval = std::chrono::milliseconds{50}) {
    streaming_options o;
    o.batch_interval = interval;
    o.requested_backend = GetParam();
    o.block_bytes = block_bytes;
    o.blocks_per_receiver = blocks_per_receiver;
    o.max_record_bytes = max_record_bytes;
    o.log = &log_;
    o.out = &out_;
    return o;
  }

  /// The batch's text as the receivers hand it on: each line ends with '\n'.
  static std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& l : lines) text += l + '\n';
    return text;
  }

  /// `count` batches of random lines (no '\n' inside, none ending in '\r'),
  /// each small enough for the receive pool.
  static std::vector<std::vector<std::string>> random_batches(std::mt19937_64& rng, std::size_t count,
                                                              std::size_t max_bytes = 20000) {
    std::vector<std::vector<std::string>> batches;
    for (std::size_t i = 0; i < count; ++i) {
      text_options o;
      o.bytes = rng() % (max_bytes + 1);
      o.vocabulary = 200;
      batches.push_back(o.bytes == 0 ? std::vector<std::string>{} : ref_split_lines(make_text(rng, o)));
    }
    return batches;
  }

  std::ostringstream log_;
  std::ostringstream out_;
};

}  // namespace gpustream::test
