// streaming_options::stop_on_signals: SIGINT and SIGTERM stop a context
// gracefully (what was received is processed, the partial last line of a
// connection included), a second signal ends the process at once, and the
// process's own handlers come back when the context stops. Real signals,
// sent to this process with kill().

#include "../common/streaming_utils.hpp"
#include "../common/tcp_server.hpp"
#include "../common/threads.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using stop_on_signals_test = streaming_test;

std::atomic<int> own_handler_calls{0};
extern "C" void own_handler(int) { own_handler_calls.fetch_add(1); }

/// Sets `handler` for `sig` for the test's lifetime, then puts back what was there.
class scoped_handler {
 public:
  scoped_handler(int sig, void (*handler)(int)) : sig_{sig} {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaction(sig_, &action, &previous_);
  }
  ~scoped_handler() { sigaction(sig_, &previous_, nullptr); }
  scoped_handler(const scoped_handler&) = delete;
  scoped_handler& operator=(const scoped_handler&) = delete;

 private:
  int sig_;
  struct sigaction previous_ {};
};

void (*handler_of(int sig))(int) {
  struct sigaction now {};
  sigaction(sig, nullptr, &now);
  return now.sa_handler;
}

/// A line-oriented text of random words whose last line has no '\n', so that
/// only a graceful stop hands that line on (a stop at once drops it).
std::string text_ending_mid_line(std::mt19937_64& rng) {
  text_options o;
  o.bytes = 20000 + rng() % 100000;
  o.vocabulary = 300;
  o.trailing_newline = false;
  std::string text = make_text(rng, o);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text + " last words without a line end";
}

/// Starts a context over a connection that sends `text` and stays open,
/// waits until every whole line of it is processed, sends `sig` to the
/// process, and checks that the context stops by itself, gracefully: the
/// counts equal the reference's over the whole text.
void expect_graceful_stop_on(int sig, streaming_options o, std::mt19937_64& rng, const std::ostringstream& log) {
  const std::string text = text_ending_mid_line(rng);
  tcp_server server;
  o.stop_on_signals = true;
  streaming_context ctx{o};
  socket_stream_options so;
  so.reconnect_delay = 50ms;
  auto counts = count_words(ctx.socket_text_stream("127.0.0.1", server.port(), so));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  auto conn = server.accept(30s);
  ASSERT_TRUE(conn->valid());
  ASSERT_TRUE(conn->send_in_pieces(text, rng));
  const std::size_t whole_lines = text.rfind('\n') + 1;
  ASSERT_TRUE(wait_until([&] { return events->completed_bytes() >= whole_lines; }, 60s));
  EXPECT_EQ(events->completed_bytes(), whole_lines) << "the last line has no line end yet";

  ASSERT_EQ(::kill(::getpid(), sig), 0);
  ASSERT_TRUE(ctx.await_termination_or_timeout(60s)) << "the signal did not stop the context";
  EXPECT_EQ(ctx.current_state(), streaming_context::state::stopped);
  EXPECT_EQ(events->completed_bytes(), text.size() + 1) << "the partial last line was not processed";
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(text)), "");
  const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
  EXPECT_NE(log.str().find(name + ": stopping gracefully"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("streaming context stopped (graceful)"), std::string::npos) << log.str();
}

TEST_P(stop_on_signals_test, sigterm_stops_gracefully_and_the_own_handler_comes_back) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const scoped_handler own{SIGTERM, own_handler};
  own_handler_calls = 0;
  expect_graceful_stop_on(SIGTERM, options(), rng, log_);
  EXPECT_EQ(own_handler_calls.load(), 0) << "the program's handler ran while the context had the signal";
  EXPECT_EQ(handler_of(SIGTERM), &own_handler) << "the handler from before start() did not come back";
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_TRUE(wait_until([] { return own_handler_calls.load() == 1; }, 10s));
}

TEST_P(stop_on_signals_test, sigint_stops_gracefully) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const scoped_handler own{SIGINT, own_handler};
  expect_graceful_stop_on(SIGINT, options(), rng, log_);
  EXPECT_EQ(handler_of(SIGINT), &own_handler);
}

TEST_P(stop_on_signals_test, off_by_default_leaves_the_signals_alone) {
  const scoped_handler own{SIGTERM, own_handler};
  own_handler_calls = 0;
  streaming_context ctx{options()};
  auto counts = count_words(ctx.queue_stream({{"a b"}, {"c"}}));
  ctx.start();
  EXPECT_EQ(handler_of(SIGTERM), &own_handler);
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_TRUE(wait_until([] { return own_handler_calls.load() == 1; }, 10s));
  EXPECT_FALSE(ctx.await_termination_or_timeout(200ms)) << "the context stopped without being asked";
  ctx.stop(true);
}

TEST_P(stop_on_signals_test, one_signal_stops_every_such_context_and_the_last_restores) {
  const scoped_handler own{SIGTERM, own_handler};
  auto o = options();
  o.stop_on_signals = true;
  streaming_context first{o};
  streaming_context second{o};
  auto a = count_words(first.queue_stream({{"a b"}}));
  auto b = count_words(second.queue_stream({{"c d"}}));
  first.start();
  second.start();
  EXPECT_NE(handler_of(SIGTERM), &own_handler);
  // A queue stream hands its batches out one a tick: wait for them.
  ASSERT_TRUE(wait_until([&] { return a->totals().size() == 2 && b->totals().size() == 2; }, 60s));
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_TRUE(first.await_termination_or_timeout(60s));
  EXPECT_TRUE(second.await_termination_or_timeout(60s));
  EXPECT_EQ(handler_of(SIGTERM), &own_handler);
  EXPECT_EQ(count_difference(a->totals(), {{"a", 1}, {"b", 1}}), "");
  EXPECT_EQ(count_difference(b->totals(), {{"c", 1}, {"d", 1}}), "");

  // The handlers are taken again by a context started afterwards, with a
  // fresh count: its first signal is again a graceful stop.
  streaming_context third{o};
  auto c = count_words(third.queue_stream({{"e"}}));
  third.start();
  ASSERT_TRUE(wait_until([&] { return c->totals().size() == 1; }, 60s));
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_TRUE(third.await_termination_or_timeout(60s));
  EXPECT_EQ(count_difference(c->totals(), {{"e", 1}}), "");
}

TEST_P(stop_on_signals_test, stopped_by_the_program_the_handlers_come_back) {
  const scoped_handler own{SIGINT, own_handler};
  auto o = options();
  o.stop_on_signals = true;
  {
    streaming_context ctx{o};
    ctx.queue_stream({{"a"}}).count().print();
    ctx.start();
    EXPECT_NE(handler_of(SIGINT), &own_handler);
    ctx.stop(true);
    EXPECT_EQ(handler_of(SIGINT), &own_handler);
  }
  {
    streaming_context never_stopped{o};
    never_stopped.queue_stream({{"a"}}).count().print();
    never_stopped.start();
  }  // destroyed while active
  EXPECT_EQ(handler_of(SIGINT), &own_handler);
}

TEST_P(stop_on_signals_test, an_ignored_sigint_stays_ignored) {
  const scoped_handler ignored{SIGINT, SIG_IGN};
  auto o = options();
  o.stop_on_signals = true;
  streaming_context ctx{o};
  ctx.queue_stream({{"a"}}).count().print();
  ctx.start();
  EXPECT_EQ(handler_of(SIGINT), SIG_IGN) << "a background job's ignored SIGINT was taken";
  EXPECT_NE(handler_of(SIGTERM), SIG_DFL);
  ctx.stop(true);
  EXPECT_EQ(handler_of(SIGINT), SIG_IGN);
}

TEST_P(stop_on_signals_test, a_second_signal_ends_the_process_at_once) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto o = options();
  EXPECT_EXIT(
      {
        o.stop_on_signals = true;
        streaming_context ctx{o};
        std::atomic<bool> in_batch{false};
        // A batch that never ends: the graceful stop the first signal begins
        // waits for it, and only the second signal ends the process.
        ctx.queue_stream({{"a"}}).foreach_batch([&](const std::vector<std::string>&, batch_time) {
          in_batch = true;
          std::this_thread::sleep_for(1h);
        });
        ctx.start();
        while (!in_batch) std::this_thread::sleep_for(1ms);
        ::kill(::getpid(), SIGTERM);
        std::this_thread::sleep_for(200ms);
        ::kill(::getpid(), SIGTERM);
        std::this_thread::sleep_for(30s);
        std::_Exit(0);  // not reached
      },
      ::testing::ExitedWithCode(128 + SIGTERM), "gpustream: SIGTERM again: stopping at once");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(stop_on_signals_test);

}  // namespace
}  // namespace gpustream::test
