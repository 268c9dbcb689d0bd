// Listener events end to end: batch submitted/started/completed for every
// batch, in order, with records, bytes and delays; receiver events; oversized
// records reported; a failing listener does not stop the stream.

#include "../common/streaming_utils.hpp"
#include "../common/threads.hpp"

#include <chrono>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using type = recording_listener::type;
using listener_test = streaming_test;

/// A listener slow to handle completions: events of the next batch race with it.
class slow_listener final : public streaming_listener {
 public:
  void on_batch_completed(const batch_info&) override { std::this_thread::sleep_for(5ms); }
};

std::uint64_t bytes_of(const std::vector<std::string>& lines) {
  std::uint64_t n = 0;
  for (const auto& l : lines) n += l.size() + 1;
  return n;
}

TEST_P(listener_test, every_batch_is_submitted_started_and_completed_in_order) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const auto first = random_batches(rng, 6);
  const auto second = random_batches(rng, 4);
  streaming_context ctx{options()};
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(std::make_shared<slow_listener>());
  ctx.add_listener(events);
  auto a = ctx.queue_stream(first);
  auto b = ctx.queue_stream(second);
  auto counts = log_batches(a.count());
  b.count().print();
  ctx.start();
  auto late = std::make_shared<recording_listener>();  // listeners may come after start
  ctx.add_listener(late);
  ASSERT_TRUE(wait_until([&] { return events->completed_batches() >= first.size() + 2; }, 60s));
  ctx.stop(true);
  EXPECT_GT(late->completed_batches(), 0u);

  const auto all = events->events();
  // Receivers start before any batch, and stop after.
  ASSERT_GE(all.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(all[i].what, type::receiver_started);
    EXPECT_EQ(all[i].receiver.id, i);
    EXPECT_EQ(all[i].receiver.name, "queue");
  }
  const auto stopped = events->receivers(type::receiver_stopped);
  ASSERT_EQ(stopped.size(), 2u);
  EXPECT_EQ(stopped[0].id, 0);
  EXPECT_EQ(stopped[1].id, 1);
  EXPECT_TRUE(events->receivers(type::receiver_error).empty());

  const auto submitted = events->batches(type::batch_submitted);
  const auto started = events->batches(type::batch_started);
  const auto completed = events->batches(type::batch_completed);
  // A graceful stop drops nothing: every batch submitted completes.
  ASSERT_EQ(started.size(), submitted.size());
  ASSERT_EQ(completed.size(), submitted.size());
  EXPECT_EQ(completed.size(), ctx.batches_completed());
  EXPECT_EQ(counts->size(), completed.size());

  // Each batch's three events come in that order, and batches in time order.
  std::map<batch_time, std::vector<type>> per_batch;
  for (const auto& e : all) {
    if (e.what == type::batch_submitted || e.what == type::batch_started || e.what == type::batch_completed) {
      per_batch[e.batch.time].push_back(e.what);
    }
  }
  for (const auto& [t, kinds] : per_batch) {
    EXPECT_EQ(kinds, (std::vector<type>{type::batch_submitted, type::batch_started, type::batch_completed}))
        << "batch " << t;
  }
  for (std::size_t i = 0; i < completed.size(); ++i) {
    SCOPED_TRACE("batch " + std::to_string(i));
    EXPECT_EQ(submitted[i].time, completed[i].time);
    EXPECT_EQ(started[i].time, completed[i].time);
    EXPECT_EQ(completed[i].time % 50, 0);
    if (i > 0) {
      EXPECT_EQ(completed[i].time - completed[i - 1].time, 50);
    }
    const auto& la = i < first.size() ? first[i] : std::vector<std::string>{};
    const auto& lb = i < second.size() ? second[i] : std::vector<std::string>{};
    const std::uint64_t bytes = bytes_of(la) + bytes_of(lb);
    // Records are counted as the batch runs; bytes are known at submission.
    EXPECT_EQ(submitted[i].records, 0u);
    EXPECT_EQ(submitted[i].bytes, bytes);
    EXPECT_EQ(started[i].records, 0u);
    EXPECT_EQ(started[i].bytes, bytes);
    EXPECT_EQ(completed[i].records, la.size() + lb.size());
    EXPECT_EQ(completed[i].bytes, bytes);
    EXPECT_EQ(completed[i].oversized_records, 0u);
    EXPECT_EQ(counts->batches()[i].records, std::vector<std::int64_t>{static_cast<std::int64_t>(la.size())});
    EXPECT_GE(started[i].scheduling_delay.count(), 0);
    EXPECT_GE(completed[i].scheduling_delay.count(), 0);
    EXPECT_GE(completed[i].processing_delay.count(), 0);
    EXPECT_EQ(completed[i].scheduling_delay, started[i].scheduling_delay);
    EXPECT_EQ(completed[i].total_delay, completed[i].scheduling_delay + completed[i].processing_delay);
  }

  // One log line per batch.
  const std::string log = log_.str();
  for (const auto& c : completed) {
    const std::string line = "[info] batch " + std::to_string(c.time) + " ms: " + std::to_string(c.records) +
                             " records, ";
    EXPECT_NE(log.find(line), std::string::npos) << line;
  }
  EXPECT_NE(log.find("[info] streaming context started: backend " + std::string{to_string(GetParam())}),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("[info] streaming context stopped (graceful): " + std::to_string(completed.size()) +
                     " batches completed"),
            std::string::npos)
      << log;
}

TEST_P(listener_test, oversized_line_is_dropped_reported_and_logged) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  auto batches = random_batches(rng, 3);
  std::string oversized(max_record_bytes + 1, 'x');
  oversized.replace(0, 11, "oversized! ");
  batches[1].insert(batches[1].begin() + static_cast<std::ptrdiff_t>(batches[1].size() / 2), oversized);
  const std::string at_limit(max_record_bytes, 'y');  // exactly the maximum: kept
  batches[2].push_back(at_limit);
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(batches);
  auto counts = count_words(lines);
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return events->completed_batches() >= batches.size() + 1; }, 60s));
  ctx.stop(true);
  const auto completed = events->batches(type::batch_completed);
  std::string kept;
  for (std::size_t i = 0; i < completed.size(); ++i) {
    SCOPED_TRACE("batch " + std::to_string(i));
    std::vector<std::string> expected = i < batches.size() ? batches[i] : std::vector<std::string>{};
    if (i == 1) expected.erase(std::find(expected.begin(), expected.end(), oversized));
    EXPECT_EQ(completed[i].oversized_records, i == 1 ? 1u : 0u);
    EXPECT_EQ(completed[i].records, expected.size());
    EXPECT_EQ(completed[i].bytes, bytes_of(expected));
    kept += joined(expected);
  }
  EXPECT_EQ(events->oversized_records(), 1u);
  EXPECT_EQ(counts->totals().count("oversized!"), 0u);
  EXPECT_EQ(counts->totals().count(at_limit), 1u);
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(kept)), "");
  const std::string log = log_.str();
  EXPECT_NE(log.find("[warn] receiver 0 (queue): dropped a record of " + std::to_string(max_record_bytes + 1) +
                     "+ bytes, over the maximum record size of " + std::to_string(max_record_bytes) + " bytes"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("[info] batch " + std::to_string(completed.at(1).time) + " ms: "), std::string::npos);
  EXPECT_NE(log.find(", 1 oversized record(s) dropped"), std::string::npos) << log;
}

class throwing_listener final : public streaming_listener {
 public:
  void on_batch_started(const batch_info&) override { throw std::runtime_error{"listener trouble"}; }
  void on_batch_completed(const batch_info&) override { throw 42; }
};

TEST_P(listener_test, a_throwing_listener_is_logged_and_the_stream_goes_on) {
  auto o = options();
  o.log_batches = false;
  streaming_context ctx{o};
  ctx.add_listener(std::make_shared<throwing_listener>());
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);  // after the throwing one: still told
  auto counts = log_batches(ctx.queue_stream({{"a"}, {"b", "c"}}).count());
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return counts->size() >= 3; }, 60s));
  ctx.stop(true);
  EXPECT_EQ(ctx.current_state(), streaming_context::state::stopped);
  EXPECT_NO_THROW(ctx.await_termination());
  EXPECT_EQ(events->completed_batches(), ctx.batches_completed());
  const auto got = counts->batches();
  EXPECT_EQ(got[0].records, std::vector<std::int64_t>{1});
  EXPECT_EQ(got[1].records, std::vector<std::int64_t>{2});
  const std::string log = log_.str();
  EXPECT_NE(log.find("[warn] a streaming listener threw: listener trouble"), std::string::npos) << log;
  EXPECT_NE(log.find("[warn] a streaming listener threw\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("[info] batch "), std::string::npos) << "log_batches = false: no batch lines";
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(listener_test);

}  // namespace
}  // namespace gpustream::test
