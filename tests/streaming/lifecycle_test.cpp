// The streaming_context's lifecycle and its misuse errors, end to end.

#include "../common/streaming_utils.hpp"
#include "../common/threads.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using state = streaming_context::state;

/// Runs `f`, expecting a gpustream::logic_error whose message contains `needle`.
void expect_logic_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no gpustream::logic_error; expected one saying '" << needle << "'";
  } catch (const gpustream::logic_error& e) {
    EXPECT_NE(std::string{e.what()}.find(needle), std::string::npos) << "the message: " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "another exception: " << e.what();
  }
}

/// An error of the test's own, to recognise when it comes back.
struct batch_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using lifecycle_test = streaming_test;

TEST_P(lifecycle_test, bad_options_are_rejected) {
  auto o = options(0ms);
  expect_logic_error([&] { streaming_context ctx{o}; }, "the batch interval must be positive (got 0 ms)");
  o = options(-5ms);
  expect_logic_error([&] { streaming_context ctx{o}; }, "the batch interval must be positive (got -5 ms)");
  expect_logic_error([&] { streaming_context ctx{0ms, GetParam()}; }, "the batch interval must be positive");

  o = options();
  o.max_record_bytes = o.block_bytes / 2 + 1;
  expect_logic_error([&] { streaming_context ctx{o}; }, "must be at least twice the maximum record size");
  o.max_record_bytes = o.block_bytes / 2;  // exactly half: allowed
  EXPECT_NO_THROW(streaming_context{o});

  o = options();
  o.max_record_bytes = 0;
  expect_logic_error([&] { streaming_context ctx{o}; }, "the maximum record size must be positive");

  o = options();
  o.blocks_per_receiver = 1;
  expect_logic_error([&] { streaming_context ctx{o}; }, "at least 2 blocks");

  streaming_context ctx{options()};
  expect_logic_error([&] { ctx.socket_text_stream("", 9999); }, "the host must not be empty");
  expect_logic_error([&] { ctx.socket_text_stream("localhost", 0); }, "the port must not be 0");
  expect_logic_error([&] { ctx.text_file_stream("/no/such/directory/for/gpustream/tests"); },
                     "/no/such/directory/for/gpustream/tests");
  expect_logic_error([&] { ctx.add_listener(nullptr); }, "a null listener");
  auto lines = ctx.queue_stream({});
  expect_logic_error([&] { lines.save_as_text_files(""); }, "an empty prefix");
  expect_logic_error([&] { lines.foreach_batch(nullptr); }, "an empty function");
}

TEST_P(lifecycle_test, start_needs_an_output_operation) {
  streaming_context ctx{options()};
  EXPECT_EQ(ctx.current_state(), state::initialized);
  EXPECT_EQ(ctx.active_backend(), GetParam());
  EXPECT_EQ(ctx.batch_interval(), 50ms);
  auto words = ctx.queue_stream({{"a b"}}).flat_map(split_words);  // transformations only
  expect_logic_error([&] { ctx.start(); }, "no output operation is registered");
  EXPECT_EQ(ctx.current_state(), state::initialized) << "a failed start() changes nothing";
  words.count().print();
  ctx.start();
  EXPECT_EQ(ctx.current_state(), state::active);
  ctx.stop(true);
  EXPECT_EQ(ctx.current_state(), state::stopped);
}

TEST_P(lifecycle_test, start_twice_and_start_after_stop_are_errors) {
  streaming_context ctx{options()};
  ctx.queue_stream({{"x"}}).print();
  ctx.start();
  expect_logic_error([&] { ctx.start(); }, "start(): the streaming_context is already active");
  EXPECT_EQ(ctx.current_state(), state::active);
  ctx.stop();
  expect_logic_error([&] { ctx.start(); }, "a stopped streaming_context cannot be started again");
  EXPECT_EQ(ctx.current_state(), state::stopped);
}

TEST_P(lifecycle_test, graph_cannot_change_once_started) {
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream({{"a b"}});
  auto pairs = lines.flat_map(split_words).map(pair_with_one);
  pairs.reduce_by_key().print();
  ctx.start();
  const std::string started = "the DStream graph cannot change once the streaming_context has started";
  expect_logic_error([&] { lines.print(); }, "print: " + started);
  expect_logic_error([&] { lines.flat_map(split_words); }, "flat_map(split_words): " + started);
  expect_logic_error([&] { lines.map(pair_with_one); }, started);
  expect_logic_error([&] { lines.filter(contains{"a"}); }, started);
  expect_logic_error([&] { lines.count(); }, "count: " + started);
  expect_logic_error([&] { pairs.reduce_by_key(); }, "reduce_by_key: " + started);
  expect_logic_error([&] { lines.map([](const std::string& l) { return l.size(); }); }, "map: " + started);
  expect_logic_error([&] { lines.filter([](const std::string& l) { return l.empty(); }); }, "filter: " + started);
  expect_logic_error([&] { lines.foreach_batch([](const std::vector<std::string>&, batch_time) {}); },
                     "foreach_batch: " + started);
  expect_logic_error([&] { lines.save_as_text_files("never"); }, "save_as_text_files: " + started);
  expect_logic_error([&] { ctx.queue_stream({}); }, "adding an input stream: " + started);
  expect_logic_error([&] { ctx.generator_stream(); }, started);
  // Listeners may come at any time.
  EXPECT_NO_THROW(ctx.add_listener(std::make_shared<recording_listener>()));
  ctx.stop();
  const std::string stopped = "the DStream graph cannot change once the streaming_context has stopped";
  expect_logic_error([&] { lines.print(); }, "print: " + stopped);
  expect_logic_error([&] { ctx.queue_stream({}); }, stopped);
}

TEST_P(lifecycle_test, stop_is_idempotent) {
  {
    streaming_context never_started{options()};
    never_started.queue_stream({}).print();
    never_started.stop();
    EXPECT_EQ(never_started.current_state(), state::stopped);
    never_started.stop(true);
    EXPECT_TRUE(never_started.await_termination_or_timeout(0ms));
    expect_logic_error([&] { never_started.start(); }, "cannot be started again");
  }
  streaming_context ctx{options()};
  auto counts = log_batches(ctx.queue_stream({{"a"}, {"b", "c"}}).count());
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return counts->size() >= 3; })) << "no batches";
  ctx.stop(true);
  const auto completed = ctx.batches_completed();
  ctx.stop(true);
  ctx.stop(false);
  ctx.stop();
  EXPECT_EQ(ctx.current_state(), state::stopped);
  EXPECT_EQ(ctx.batches_completed(), completed);
  EXPECT_EQ(counts->size(), completed);
  ctx.await_termination();  // returns at once, no error
}

TEST_P(lifecycle_test, concurrent_stops_all_return) {
  streaming_context ctx{options()};
  ctx.generator_stream().count().print();
  ctx.start();
  std::vector<scoped_thread> stoppers;
  for (int i = 0; i < 4; ++i) stoppers.emplace_back([&ctx, i] { ctx.stop(i % 2 == 0); });
  ctx.stop();
  for (auto& t : stoppers) t.join();
  EXPECT_EQ(ctx.current_state(), state::stopped);
  EXPECT_TRUE(ctx.await_termination_or_timeout(0ms));
}

TEST_P(lifecycle_test, await_termination_or_timeout_tells_whether_stopped) {
  streaming_context ctx{options()};
  ctx.queue_stream({{"a"}}).print();
  EXPECT_FALSE(ctx.await_termination_or_timeout(10ms)) << "not started is not stopped";
  ctx.start();
  EXPECT_FALSE(ctx.await_termination_or_timeout(120ms));
  EXPECT_EQ(ctx.current_state(), state::active);
  scoped_thread stopper{[&] {
    std::this_thread::sleep_for(100ms);
    ctx.stop(true);
  }};
  ctx.await_termination();  // returns once the other thread has stopped it
  EXPECT_EQ(ctx.current_state(), state::stopped);
  EXPECT_TRUE(ctx.await_termination_or_timeout(0ms));
  EXPECT_TRUE(ctx.await_termination_or_timeout(10s));
}

TEST_P(lifecycle_test, error_in_foreach_batch_stops_the_context_and_is_rethrown) {
  streaming_context ctx{options()};
  std::atomic<int> calls{0};
  ctx.queue_stream({{"one"}, {"two"}, {"three"}, {"four"}})
      .foreach_batch([&](const std::vector<std::string>& lines, batch_time) {
        if (++calls == 2) throw batch_failure{"cannot handle '" + lines.at(0) + "'"};
      });
  ctx.start();
  // await_termination_or_timeout returns false on a time-out, or rethrows.
  try {
    EXPECT_FALSE(ctx.await_termination_or_timeout(60s)) << "stopped without its error";
    ADD_FAILURE() << "the context did not stop within 60 s after its output operation threw";
  } catch (const batch_failure& e) {
    EXPECT_STREQ(e.what(), "cannot handle 'two'");
  }
  EXPECT_EQ(ctx.current_state(), state::stopped);
  try {
    ctx.await_termination();
    ADD_FAILURE() << "await_termination() did not rethrow";
  } catch (const batch_failure& e) {
    EXPECT_STREQ(e.what(), "cannot handle 'two'");
  }
  EXPECT_EQ(calls.load(), 2) << "no batch runs after the failure";
  EXPECT_EQ(ctx.batches_completed(), 1u);
  ctx.stop();  // already stopped: nothing happens
  const std::string log = log_.str();
  EXPECT_NE(log.find("[error] streaming context: cannot handle 'two'; stopping"), std::string::npos) << log;
}

TEST_P(lifecycle_test, error_in_a_host_functor_stops_the_context) {
  streaming_context ctx{options()};
  ctx.queue_stream({{"12", "x"}})
      .map([](const std::string& s) -> std::int64_t { return std::stoll(s); })  // std::stoll("x") throws
      .print();
  ctx.start();
  EXPECT_THROW(ctx.await_termination(), std::invalid_argument);
  EXPECT_EQ(ctx.current_state(), state::stopped);
}

TEST_P(lifecycle_test, error_then_stop_at_once_from_another_thread) {
  for (int round = 0; round < 3; ++round) {
    streaming_context ctx{options(10ms)};
    std::atomic<bool> thrown{false};
    ctx.generator_stream().foreach_batch([&](const std::vector<std::string>&, batch_time) {
      thrown = true;
      throw batch_failure{"first batch"};
    });
    ctx.start();
    ASSERT_TRUE(wait_until([&] { return thrown.load(); }));
    ctx.stop(round % 2 == 0);  // while the error stops it too
    EXPECT_THROW(ctx.await_termination(), batch_failure);
  }
}

TEST_P(lifecycle_test, stop_from_inside_foreach_batch_does_not_deadlock) {
  for (const bool graceful : {false, true}) {
    SCOPED_TRACE(graceful ? "graceful" : "immediate");
    streaming_context ctx{options()};
    std::atomic<int> calls{0};
    ctx.queue_stream({{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}, {"g"}, {"h"}})
        .count()
        .foreach_batch([&](const std::vector<std::int64_t>&, batch_time) {
          if (++calls == 3) {
            ctx.stop(graceful);  // returns at once: the stop runs beside this batch
            ctx.stop(graceful);
          }
        });
    ctx.start();
    ASSERT_TRUE(ctx.await_termination_or_timeout(60s)) << "the context did not stop";
    EXPECT_EQ(ctx.current_state(), state::stopped);
    EXPECT_GE(calls.load(), 3);
    EXPECT_EQ(static_cast<std::uint64_t>(calls.load()), ctx.batches_completed());
    expect_logic_error([&] { ctx.start(); }, "cannot be started again");
  }
}

TEST_P(lifecycle_test, destroying_an_active_context_stops_it) {
  auto listener = std::make_shared<recording_listener>();
  {
    streaming_context ctx{options()};
    ctx.add_listener(listener);
    ctx.generator_stream().flat_map(split_words).map(pair_with_one).reduce_by_key().count().print();
    ctx.start();
    ASSERT_TRUE(wait_until([&] { return listener->completed_batches() >= 2; }));
  }  // not stopped: the destructor stops it
  EXPECT_EQ(listener->receivers(recording_listener::type::receiver_stopped).size(), 1u);
  EXPECT_NE(log_.str().find("streaming context stopped (immediate)"), std::string::npos) << log_.str();
}

// Windows and state hold backend memory allocated on the context's streams.
// DStreams kept after their context keep the graph's nodes, and so that
// memory, until they go: it is then freed after the context's streams are
// gone (on the CUDA backend this crashed before stream handles were
// recycled). A context made afterwards runs as usual.
TEST_P(lifecycle_test, state_kept_after_its_context_is_freed_safely) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const auto batches = random_batches(gen, 6);
  word_counts reference;
  for (const auto& b : batches) {
    for (const auto& [w, n] : ref_word_count(joined(b))) reference[w] += n;
  }
  std::optional<dstream<word_pair>> window;
  std::optional<dstream<word_pair>> running;
  std::shared_ptr<batch_log<word_pair>> totals;
  {
    streaming_context ctx{options()};
    auto pairs = ctx.queue_stream(batches).flat_map(split_words).map(pair_with_one);
    window = pairs.reduce_by_key_and_window(aggregation::sum, with_inverse{true}, 4 * 50ms);
    running = pairs.update_state_by_key(aggregation::sum);
    window->count().print();
    totals = log_batches(*running);
    ctx.start();
    ASSERT_TRUE(wait_until([&] { return totals->size() >= batches.size(); }));
    ctx.stop(true);
  }  // the context is gone; its window and state live on in `window` and `running`
  word_counts got;
  const auto first_run = totals->batches();
  for (const auto& [w, n] : first_run.back().records) got[w] = n;
  EXPECT_EQ(count_difference(got, reference), "");
  window.reset();
  running.reset();  // the nodes, and their backend memory, go now

  streaming_context again{options()};
  auto again_totals = log_batches(
      again.queue_stream(batches).flat_map(split_words).map(pair_with_one).update_state_by_key(aggregation::sum));
  again.start();
  ASSERT_TRUE(wait_until([&] { return again_totals->size() >= batches.size(); }));
  again.stop(true);
  got.clear();
  const auto second_run = again_totals->batches();
  for (const auto& [w, n] : second_run.back().records) got[w] = n;
  EXPECT_EQ(count_difference(got, reference), "");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(lifecycle_test);

TEST(streaming_context, cuda_where_it_cannot_run_is_backend_unavailable) {
  if (cuda_device_available()) GTEST_SKIP() << "a usable CUDA device is present";
  streaming_options o;
  o.requested_backend = backend::cuda;
  EXPECT_THROW(streaming_context{o}, gpustream::backend_unavailable);
  o.requested_backend = backend::automatic;
  std::ostringstream log;
  o.log = &log;
  streaming_context ctx{o};
  EXPECT_EQ(ctx.active_backend(), backend::cpu);
}

}  // namespace
}  // namespace gpustream::test
