// Checkpoints and the write-ahead log: the file envelope refuses every kind
// of damage, naming the file; a context stopped at once goes on from its
// checkpoint and log in a new one, and its results equal an uninterrupted
// run's; checkpoints of another graph, batch interval, format version or
// another kind of file are refused. The crash tests (tests/fault) kill real
// processes.

#include "../common/streaming_utils.hpp"
#include "../common/threads.hpp"

#include "checkpoint/file_format.hpp"

#include <gpustream/core/error.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("gpustream_checkpoint_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_all(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

void write_all(const fs::path& p, const std::string& data) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

/// The message of the checkpoint_error `f` throws; fails the test when it
/// throws nothing or something else.
template <class F>
std::string checkpoint_error_of(F&& f) {
  try {
    f();
  } catch (const checkpoint_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a checkpoint_error, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected a checkpoint_error, nothing was thrown";
  return {};
}

// ---- the file envelope ----

TEST(checkpoint_file_test, segments_round_trip_and_every_damage_is_refused_naming_the_file) {
  const std::uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng{seed};
  temp_dir dir;
  const fs::path file = dir.path() / "checkpoint-1000";
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> parts(rng() % 5);
    for (auto& p : parts) {
      p.resize(rng() % 3 == 0 ? 0 : rng() % 3000);
      for (auto& c : p) c = static_cast<char>(rng());
    }
    std::vector<detail::segment_view> views;
    for (const auto& p : parts) views.push_back({p.data(), p.size()});
    detail::write_segments(file, detail::file_kind::checkpoint, views);
    EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
    ASSERT_EQ(detail::read_segments(file, detail::file_kind::checkpoint), parts);
    if (!parts.empty()) {
      EXPECT_EQ(detail::read_segments(file, detail::file_kind::checkpoint, 1),
                std::vector<std::string>{parts.front()});
    }

    const std::string good = read_all(file);
    // Every truncation.
    for (std::size_t len = 0; len < good.size(); len += 1 + good.size() / 64) {
      write_all(file, good.substr(0, len));
      const std::string m = checkpoint_error_of([&] { detail::read_segments(file, detail::file_kind::checkpoint); });
      EXPECT_NE(m.find(file.string()), std::string::npos) << m;
    }
    // A flipped bit anywhere.
    for (int flip = 0; flip < 16; ++flip) {
      std::string bad = good;
      bad[rng() % bad.size()] ^= static_cast<char>(1u << (rng() % 8));
      write_all(file, bad);
      const std::string m = checkpoint_error_of([&] { detail::read_segments(file, detail::file_kind::checkpoint); });
      EXPECT_NE(m.find(file.string()), std::string::npos) << m;
    }
    // Bytes appended.
    write_all(file, good + "x");
    checkpoint_error_of([&] { detail::read_segments(file, detail::file_kind::checkpoint); });
    // The other kind of file.
    write_all(file, good);
    EXPECT_NE(checkpoint_error_of([&] { detail::read_segments(file, detail::file_kind::wal); }).find("another kind"),
              std::string::npos);
  }
  write_all(file, "{\"not\": \"a checkpoint\"}\n");
  EXPECT_NE(checkpoint_error_of([&] { detail::read_segments(file, detail::file_kind::checkpoint); })
                .find("not a gpustream checkpoint"),
            std::string::npos);
  EXPECT_NE(checkpoint_error_of([&] { detail::read_segments(dir.path() / "missing", detail::file_kind::checkpoint); })
                .find("cannot open"),
            std::string::npos);
}

// ---- recovery of a context ----

class checkpoint_test : public streaming_test {
 protected:
  struct sinks {
    std::shared_ptr<batch_log<word_pair>> counts, totals, window;
    std::shared_ptr<batch_log<int_pair>> by_length;  // host-function state over integer keys
    std::shared_ptr<batch_log<keyed_double>> quarters;  // host-function state over doubles
    std::shared_ptr<batch_log<int_pair>> mapped_lengths;  // map_with_state's snapshots, integer keys
    std::shared_ptr<batch_log<keyed_double>> mapped_quarters;  // map_with_state's snapshots, doubles
    std::shared_ptr<batch_log<int_pair>> device_lengths;  // update_state_by_key(on_device(f)), integer keys
    std::shared_ptr<batch_log<keyed_double>> device_quarters;  // the same over doubles
    std::shared_ptr<batch_log<int_pair>> device_mapped_lengths;  // map_with_state(on_device(f))'s snapshots
    std::shared_ptr<batch_log<keyed_double>> device_quarter_totals;  // a double state of integer values
  };
  /// map_with_state on the backend: a running total per key.
  struct total_state {
    GPUSTREAM_HOST_DEVICE std::int64_t operator()(std::int64_t, device_optional<std::int64_t> v,
                                                  device_state<std::int64_t>& state) const {
      state.update(state.get() + (v.has_value() ? *v : 0));
      return state.get();
    }
  };
  /// A general update function on the backend (here: a running total).
  template <class V>
  struct running_total {
    GPUSTREAM_HOST_DEVICE device_optional<V> operator()(device_span<V> values, device_optional<V> state) const {
      V total = state.has_value() ? *state : V{0};
      for (size_type i = 0; i < values.size; ++i) total += values[i];
      return {true, total};
    }
  };
  /// A state of another type than the values: a quarter of each count, as a double.
  struct quarter_total {
    GPUSTREAM_HOST_DEVICE device_optional<double> operator()(device_span<std::int64_t> values,
                                                             device_optional<double> state) const {
      double total = state.has_value() ? *state : 0.0;
      for (size_type i = 0; i < values.size; ++i) total += 0.25 * static_cast<double>(values[i]);
      return {true, total};
    }
  };
  static constexpr int window_batches = 4;

  /// The stateful, windowed word count over `batches`, with checkpoints in `dir`.
  sinks build(streaming_context& ctx, const std::vector<std::vector<std::string>>& batches) {
    auto pairs = ctx.queue_stream(batches).flat_map(split_words).map(pair_with_one);
    sinks s;
    s.counts = log_batches(pairs.reduce_by_key());
    s.totals = log_batches(pairs.update_state_by_key(aggregation::sum));
    s.window = log_batches(pairs.reduce_by_key_and_window(aggregation::sum, with_inverse{true},
                                                          window_batches * interval));
    const auto lengths =
        pairs.map([](const word_pair& p) { return int_pair{static_cast<std::int64_t>(p.first.size()), p.second}; });
    s.mapped_lengths = log_batches(
        lengths
            .map_with_state([](std::int64_t key, std::optional<std::int64_t> v, key_state& state) {
              state.update(state.exists() ? state.get() + v.value_or(0) : v.value_or(0));
              return int_pair{key, state.get()};
            })
            .state_snapshots());
    s.by_length = log_batches(
        lengths
            .update_state_by_key([](const std::vector<std::int64_t>& v, std::optional<std::int64_t> t) {
              std::int64_t total = t.value_or(0);
              for (auto x : v) total += x;
              return std::optional<std::int64_t>{total};
            }));
    // A quarter per word (exact in binary), summed by a host function over
    // doubles, and by map_with_state.
    const auto quarters =
        pairs.map([](const word_pair& p) { return std::pair<std::string, double>{p.first, 0.25 * p.second}; });
    s.mapped_quarters = log_batches(
        quarters
            .map_with_state([](const std::string& key, std::optional<double> v, double_key_state& state) {
              state.update((state.exists() ? state.get() : 0.0) + v.value_or(0));
              return keyed_double{key, state.get()};
            })
            .state_snapshots());
    s.quarters = log_batches(
        quarters
            .update_state_by_key([](const std::vector<double>& v, std::optional<double> t) {
              double total = t.value_or(0);
              for (double x : v) total += x;
              return std::optional<double>{total};
            }));
    s.device_lengths = log_batches(lengths.update_state_by_key(on_device(running_total<std::int64_t>{})));
    s.device_quarters = log_batches(quarters.update_state_by_key(on_device(running_total<double>{})));
    s.device_mapped_lengths = log_batches(lengths.map_with_state(on_device(total_state{})).state_snapshots());
    s.device_quarter_totals = log_batches(pairs.update_state_by_key(on_device(quarter_total{})));
    return s;
  }
  streaming_options checkpointed(const fs::path& dir) {
    streaming_options o = options(interval);
    o.checkpoint_directory = dir.string();
    o.checkpoint_interval = 2 * interval;
    o.write_ahead_log = true;
    return o;
  }
  static word_counts as_counts(const std::vector<word_pair>& v) {
    word_counts c;
    for (const auto& [w, n] : v) c[w] += n;
    return c;
  }
  static constexpr std::chrono::milliseconds interval{50};
};

TEST_P(checkpoint_test, a_context_stopped_at_once_goes_on_from_its_checkpoint_and_log) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  temp_dir dir;
  auto batches = random_batches(rng, 30, 6000);
  for (std::size_t i = 0; i < batches.size(); i += 7) batches[i].clear();  // empty batches too
  word_counts reference;
  for (const auto& b : batches) {
    for (const auto& [w, n] : ref_word_count(joined(b))) reference[w] += n;
  }

  // The first run stops at once after some batches: pending ones are dropped.
  std::map<batch_time, word_counts> counts;
  batch_time last_of_first_run = 0;
  {
    streaming_options o = checkpointed(dir.path());
    o.checkpoint_interval = 8 * interval;
    streaming_context ctx{o};
    const sinks s = build(ctx, batches);
    ctx.start();
    EXPECT_FALSE(ctx.recovered_from().has_value());
    // Checkpoints every 8 batches; stopping 2 to 5 batches after one leaves
    // completed batches in the log that the next run must run again.
    const std::size_t stop_after = 8 * (1 + rng() % 2) + 2 + rng() % 4;
    ASSERT_TRUE(wait_until([&] { return s.counts->size() >= stop_after; }, 60s));
    ctx.stop(false);
    for (const auto& b : s.counts->batches()) counts[b.time] = as_counts(b.records);
    last_of_first_run = s.counts->batches().back().time;
  }
  // The second one recovers: logged batches run again with their own times,
  // then the queue goes on after the last batch handed out.
  streaming_options o = checkpointed(dir.path());
  o.checkpoint_interval = 8 * interval;
  streaming_context ctx{o};
  const sinks s = build(ctx, batches);
  ctx.start();
  ASSERT_TRUE(ctx.recovered_from().has_value());
  EXPECT_LT(*ctx.recovered_from(), last_of_first_run) << "the first run's last batches were not checkpointed";
  auto final_totals = [&] {
    const auto t = s.totals->batches();
    return t.empty() ? word_counts{} : as_counts(t.back().records);
  };
  EXPECT_TRUE(wait_until([&] { return final_totals() == reference; }, 60s))
      << count_difference(final_totals(), reference);
  ctx.stop(true);
  // The words' total per length, kept by a host function over integer keys
  // and restored from the checkpoint with the rest.
  std::map<std::int64_t, std::int64_t> by_length;
  for (const auto& [w, n] : reference) by_length[static_cast<std::int64_t>(w.size())] += n;
  ASSERT_FALSE(s.by_length->batches().empty());
  EXPECT_EQ(s.by_length->batches().back().records,
            (std::vector<int_pair>(by_length.begin(), by_length.end())));
  // The same totals kept by map_with_state over integer keys, restored too.
  ASSERT_FALSE(s.mapped_lengths->batches().empty());
  EXPECT_EQ(s.mapped_lengths->batches().back().records,
            (std::vector<int_pair>(by_length.begin(), by_length.end())));
  // And a quarter per word, kept as doubles by a host function, restored too.
  std::vector<keyed_double> quarters;
  for (const auto& [w, n] : reference) quarters.emplace_back(w, 0.25 * static_cast<double>(n));
  ASSERT_FALSE(s.quarters->batches().empty());
  EXPECT_EQ(s.quarters->batches().back().records, quarters);
  ASSERT_FALSE(s.mapped_quarters->batches().empty());
  EXPECT_EQ(s.mapped_quarters->batches().back().records, quarters);
  // And by general update functions on the backend, restored too (string
  // keys come in hash order).
  ASSERT_FALSE(s.device_lengths->batches().empty());
  EXPECT_EQ(s.device_lengths->batches().back().records,
            (std::vector<int_pair>(by_length.begin(), by_length.end())));
  ASSERT_FALSE(s.device_mapped_lengths->batches().empty());
  EXPECT_EQ(s.device_mapped_lengths->batches().back().records,
            (std::vector<int_pair>(by_length.begin(), by_length.end())));
  ASSERT_FALSE(s.device_quarters->batches().empty());
  auto device_quarters = s.device_quarters->batches().back().records;
  std::sort(device_quarters.begin(), device_quarters.end());
  EXPECT_EQ(device_quarters, quarters);
  ASSERT_FALSE(s.device_quarter_totals->batches().empty());
  auto quarter_totals = s.device_quarter_totals->batches().back().records;
  std::sort(quarter_totals.begin(), quarter_totals.end());
  EXPECT_EQ(quarter_totals, quarters);
  EXPECT_EQ(s.counts->batches().front().time, *ctx.recovered_from() + interval.count())
      << "the batches after the checkpoint run again, from the first on";
  EXPECT_LE(s.counts->batches().front().time, last_of_first_run);
  for (const auto& b : s.counts->batches()) {
    EXPECT_GT(b.time, *ctx.recovered_from());
    counts[b.time] = as_counts(b.records);  // a batch run again replaces its first result
  }

  // Every batch's counts once: their sum is the input's.
  word_counts sum;
  for (const auto& [t, c] : counts) {
    for (const auto& [w, n] : c) sum[w] += n;
  }
  EXPECT_EQ(count_difference(sum, reference), "");
  // Totals and windows after the recovery agree with the batches before them.
  for (const auto& b : s.totals->batches()) {
    word_counts want;
    for (const auto& [t, c] : counts) {
      if (t > b.time) break;
      for (const auto& [w, n] : c) want[w] += n;
    }
    EXPECT_EQ(count_difference(as_counts(b.records), want), "") << "totals at " << b.time;
  }
  const std::int64_t length = window_batches * interval.count();
  for (const auto& b : s.window->batches()) {
    word_counts want;
    for (const auto& [t, c] : counts) {
      if (t <= b.time - length || t > b.time) continue;
      for (const auto& [w, n] : c) want[w] += n;
    }
    for (auto it = want.begin(); it != want.end();) it = it->second == 0 ? want.erase(it) : std::next(it);
    EXPECT_EQ(count_difference(as_counts(b.records), want), "") << "window at " << b.time;
  }
}

TEST_P(checkpoint_test, damaged_or_foreign_checkpoints_are_refused_naming_the_file) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  temp_dir dir;
  const auto batches = random_batches(rng, 6, 3000);
  {
    streaming_context ctx{checkpointed(dir.path())};
    build(ctx, batches);
    ctx.start();
    ASSERT_TRUE(wait_until([&] { return ctx.batches_completed() >= 3; }, 60s));
    ctx.stop(true);  // the last batch is checkpointed
  }
  fs::path newest;
  for (const auto& e : fs::directory_iterator{dir.path()}) {
    const std::string name = e.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0 && (newest.empty() || name > newest.filename().string())) newest = e.path();
  }
  ASSERT_FALSE(newest.empty());
  const std::string good = read_all(newest);

  auto start_fails = [&](streaming_options o, bool other_graph = false) {
    streaming_context ctx{o};
    const sinks s = build(ctx, batches);
    if (other_graph) {
      ctx.queue_stream({}).flat_map(split_words).map(pair_with_one).update_state_by_key(aggregation::sum).print();
    }
    const std::string m = checkpoint_error_of([&] { ctx.start(); });
    EXPECT_EQ(ctx.current_state(), streaming_context::state::stopped);
    return m;
  };
  auto names_newest = [&](const std::string& m) { return m.find(newest.string()) != std::string::npos; };

  write_all(newest, good.substr(0, good.size() / 2));
  EXPECT_PRED1(names_newest, start_fails(checkpointed(dir.path())));
  std::string flipped = good;
  flipped[good.size() - 1 - rng() % (good.size() / 2)] ^= 0x10;
  write_all(newest, flipped);
  EXPECT_PRED1(names_newest, start_fails(checkpointed(dir.path())));
  write_all(newest, "PK\x03\x04 not ours at all");
  EXPECT_PRED1(names_newest, start_fails(checkpointed(dir.path())));
  std::string other_version = good;
  other_version[12] = static_cast<char>(other_version[12] + 1);  // the format version follows magic and kind
  write_all(newest, other_version);
  const std::string version_message = start_fails(checkpointed(dir.path()));
  EXPECT_PRED1(names_newest, version_message);
  EXPECT_NE(version_message.find("format version"), std::string::npos) << version_message;

  write_all(newest, good);
  const std::string graph_message = start_fails(checkpointed(dir.path()), true);
  EXPECT_NE(graph_message.find("different DStream graph"), std::string::npos) << graph_message;
  streaming_options slower = checkpointed(dir.path());
  slower.batch_interval = 2 * interval;
  slower.checkpoint_interval = 2 * slower.batch_interval;
  const std::string interval_message = start_fails(slower);
  EXPECT_NE(interval_message.find("batch interval"), std::string::npos) << interval_message;

  // A damaged log entry after the checkpoint is refused too.
  const fs::path log = dir.path() / "wal" / ("batch-" + std::to_string(std::stoll(newest.filename().string().substr(11)) + 50));
  write_all(log, "WLOG?");
  const std::string log_message = start_fails(checkpointed(dir.path()));
  EXPECT_NE(log_message.find(log.string()), std::string::npos) << log_message;
  fs::remove(log);

  // Whole again: it recovers from it.
  const batch_time newest_time = std::stoll(newest.filename().string().substr(11));
  temp_dir copy;
  fs::copy(dir.path(), copy.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  {
    streaming_context ctx{checkpointed(dir.path())};
    build(ctx, batches);
    ctx.start();
    EXPECT_EQ(ctx.recovered_from(), std::optional<batch_time>{newest_time});
    ctx.stop(false);
  }
  // A damaged newest checkpoint removed by hand: the previous one is used.
  const fs::path damaged = copy.path() / newest.filename();
  ASSERT_TRUE(fs::remove(damaged));
  streaming_context ctx{checkpointed(copy.path())};
  build(ctx, batches);
  ctx.start();
  ASSERT_TRUE(ctx.recovered_from().has_value());
  EXPECT_LT(*ctx.recovered_from(), newest_time);
  ctx.stop(true);
}

TEST_P(checkpoint_test, one_running_context_per_checkpoint_directory) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  temp_dir dir;
  const auto batches = random_batches(rng, 3, 2000);
  streaming_context first{checkpointed(dir.path())};
  build(first, batches);
  first.start();
  {
    streaming_context second{checkpointed(dir.path())};
    build(second, batches);
    const std::string m = checkpoint_error_of([&] { second.start(); });
    EXPECT_NE(m.find("another running streaming context"), std::string::npos) << m;
  }
  first.stop(true);
  std::optional<batch_time> recovered;
  {
    // The lock goes with the context; the next one recovers.
    streaming_context third{checkpointed(dir.path())};
    build(third, batches);
    third.start();
    recovered = third.recovered_from();
    third.stop(true);
  }
  EXPECT_TRUE(recovered.has_value());
}

TEST_P(checkpoint_test, a_checkpoint_directory_that_cannot_be_made_is_an_error_naming_it) {
  temp_dir dir;
  const std::string file = (dir.path() / "plain").string();
  write_all(file, "not a directory\n");
  const std::string where = file + "/checkpoints";
  streaming_context ctx{checkpointed(where)};
  ctx.queue_stream({}).print();
  try {
    ctx.start();
    ADD_FAILURE() << "no exception";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string{e.what()}.find("cannot create the checkpoint directory " + where), std::string::npos)
        << e.what();
  }
}

TEST_P(checkpoint_test, the_log_needs_a_checkpoint_directory_and_the_interval_a_multiple_of_the_batch) {
  streaming_options o = options(interval);
  o.write_ahead_log = true;
  {
    streaming_context ctx{o};
    ctx.queue_stream({}).print();
    EXPECT_THROW(ctx.start(), logic_error);
  }
  o.write_ahead_log = false;
  o.checkpoint_interval = interval + 1ms;
  EXPECT_THROW(streaming_context{o}, logic_error);
  streaming_context ctx{options(interval)};
  EXPECT_THROW(ctx.checkpoint(""), logic_error);
}

TEST_P(checkpoint_test, text_file_output_of_batches_after_the_checkpoint_is_rolled_back) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  temp_dir dir;
  const auto batches = random_batches(rng, 4, 2000);
  const std::string prefix = (dir.path() / "out" / "counts").string();
  auto run = [&](bool graceful) {
    streaming_context ctx{checkpointed(dir.path() / "ckpt")};
    ctx.queue_stream(batches).flat_map(split_words).map(pair_with_one).update_state_by_key(aggregation::sum)
        .save_as_text_files(prefix);
    ctx.start();
    EXPECT_TRUE(wait_until([&] { return ctx.batches_completed() >= 2; }, 60s));
    ctx.stop(graceful);
    return ctx.recovered_from();
  };
  EXPECT_FALSE(run(true).has_value());
  // Output of a batch after the newest checkpoint, as a crash would leave it.
  const std::string late = prefix + "-9000000000000";
  fs::create_directories(late);
  fs::create_directories(late + "._temporary");
  const std::string early = prefix + "-1000";
  fs::create_directories(early);
  const auto recovered = run(false);
  ASSERT_TRUE(recovered.has_value());
  EXPECT_FALSE(fs::exists(late));
  EXPECT_FALSE(fs::exists(late + "._temporary"));
  EXPECT_TRUE(fs::exists(early)) << "output of a batch the checkpoint covers stays";
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(checkpoint_test);

}  // namespace
}  // namespace gpustream::test
