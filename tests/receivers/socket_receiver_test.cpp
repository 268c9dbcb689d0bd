#include "../common/random_text.hpp"
#include "../common/receiver_harness.hpp"
#include "../common/reference.hpp"
#include "../common/tcp_server.hpp"
#include "../common/test_utils.hpp"
#include "../common/threads.hpp"

#include "receivers/socket_receiver.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using detail::block_queue;
using detail::socket_receiver;
using detail::socket_receiver_options;
using clock_type = std::chrono::steady_clock;

socket_receiver_options options_for(std::uint16_t port) {
  socket_receiver_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.reconnect_delay = 50ms;
  return o;
}

/// What finish() makes of the input: a last line without '\n' gets one.
std::string terminated(std::string text) {
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

/// Some lines of random text ending with '\n', at most ~800 bytes each.
std::string random_lines(std::mt19937_64& rng, std::size_t bytes, bool binary = true) {
  text_options o;
  o.bytes = bytes;
  o.binary = binary;
  return make_text(rng, o);
}

struct socket_receiver_test : ::testing::Test {
  void SetUp() override { seed = fresh_seed(); }
  std::string seed_trace() const {
    return "seed=" + std::to_string(seed) + " (replay with GPUSTREAM_TEST_SEED=" + std::to_string(seed) + ")";
  }
  std::uint64_t seed = 0;
};

TEST_F(socket_receiver_test, text_in_random_pieces_arrives_exactly) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  text_options o;
  o.bytes = 1 << 20;
  o.trailing_newline = rng() % 2 == 0;
  std::string text = make_text(rng, o);
  // A 200 KiB line, bytes of every value included, somewhere in the middle.
  std::string long_line(200 * 1024, 'w');
  for (std::size_t i = 0; i < long_line.size(); i += 1 + rng() % 64) {
    long_line[i] = static_cast<char>(rng() % 256);
    if (long_line[i] == '\n') long_line[i] = '\0';
  }
  const std::size_t at = text.find('\n', text.size() / 2) + 1;
  text.insert(at, long_line + "\r\n");
  const char odd[] = "nul\0byte \xff\xfe invalid\n";
  text.insert(at + long_line.size() + 2, std::string(odd, sizeof odd - 1));

  pinned_block_pool pool{512 * 1024, 8, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  socket_receiver r{options_for(server.port())};
  EXPECT_EQ(r.name(), "socket 127.0.0.1:" + std::to_string(server.port()));
  collector c{r, queue};
  r.start(ev.env(pool, queue, 256 * 1024));
  c.start();
  std::atomic<bool> sent_all{false};
  scoped_thread sender{[&] {
    auto conn = server.accept();
    std::mt19937_64 piece_rng{seed + 1};
    sent_all = conn->valid() && conn->send_in_pieces(text, piece_rng);
  }};
  const std::string expected = terminated(text);
  EXPECT_TRUE(c.wait_for_bytes(expected.size())) << "received " << c.size() << " of " << expected.size();
  sender.join();
  c.finish();
  EXPECT_TRUE(sent_all.load());
  const std::string got = c.text();
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the bytes differ";
  c.expect_whole_lines();
  EXPECT_GT(c.blocks(), 1u);
  EXPECT_TRUE(ev.oversized_list().empty());
}

TEST_F(socket_receiver_test, seal_pushes_the_lines_of_an_open_connection) {
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  socket_receiver r{options_for(server.port())};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  auto conn = server.accept();
  ASSERT_TRUE(conn->valid());
  ASSERT_TRUE(conn->send_all("first\nsecond\npart"));
  // The block is far from full and the connection stays open: only seal()
  // can push these lines.
  const auto deadline = clock_type::now() + 5s;
  while (c.size() < 13 && clock_type::now() < deadline) {
    ASSERT_TRUE(seal_within(r));
    c.take();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(c.text(), "first\nsecond\n");
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(seal_within(r));
  c.take();
  EXPECT_EQ(c.text(), "first\nsecond\n") << "a partial line was pushed";
  ASSERT_TRUE(conn->send_all("ial\nthird\n"));
  c.start();
  const std::string expected = "first\nsecond\npartial\nthird\n";
  EXPECT_TRUE(c.wait_for_bytes(expected.size(), 5s));
  c.finish();
  EXPECT_EQ(c.text(), expected);
  c.expect_whole_lines();
}

TEST_F(socket_receiver_test, server_closing_mid_line_delivers_the_partial_line) {
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  socket_receiver r{options_for(server.port())};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  {
    auto conn = server.accept();
    ASSERT_TRUE(conn->valid());
    ASSERT_TRUE(conn->send_all("alpha\nbeta\r\ngam"));
    std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(conn->send_all("ma without a newline"));
  }  // closed
  const std::string expected = "alpha\nbeta\r\ngamma without a newline\n";
  EXPECT_TRUE(c.wait_for_bytes(expected.size(), 5s));
  c.finish();
  EXPECT_EQ(c.text(), expected);
  c.expect_whole_lines();
}

TEST_F(socket_receiver_test, server_up_late_is_retried_and_reported_once) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  const std::string text = random_lines(rng, 100000);
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server{not_listening};
  const std::uint16_t port = server.port();
  socket_receiver r{options_for(port)};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  std::this_thread::sleep_for(300ms);  // about six refused attempts
  server.listen();
  auto conn = server.accept();
  ASSERT_TRUE(conn->valid());
  const auto errors = ev.error_list();
  ASSERT_EQ(errors.size(), 1u) << "one report per outage, not one per retry";
  EXPECT_NE(errors[0].find("127.0.0.1:" + std::to_string(port)), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("retrying every 50 ms"), std::string::npos) << errors[0];
  ASSERT_TRUE(conn->send_in_pieces(text, rng));
  conn->close();
  EXPECT_TRUE(c.wait_for_bytes(text.size(), 5s));
  c.finish();
  EXPECT_TRUE(c.text() == text);
  c.expect_whole_lines();
}

TEST_F(socket_receiver_test, reconnects_after_the_server_goes_away) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  const std::string first = random_lines(rng, 50000) + "end of session one";
  const std::string second = random_lines(rng, 50000);
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  auto server = std::make_unique<tcp_server>();
  const std::uint16_t port = server->port();
  socket_receiver r{options_for(port)};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  {
    auto conn = server->accept();
    ASSERT_TRUE(conn->valid());
    ASSERT_TRUE(conn->send_in_pieces(first, rng));
  }
  server.reset();  // the server goes away
  EXPECT_TRUE(c.wait_for_bytes(first.size() + 1, 5s));
  std::this_thread::sleep_for(150ms);  // refused retries meanwhile
  server = std::make_unique<tcp_server>(port);
  {
    auto conn = server->accept();
    ASSERT_TRUE(conn->valid()) << "the receiver did not reconnect";
    ASSERT_TRUE(conn->send_in_pieces(second, rng));
  }
  const std::string expected = first + "\n" + second;
  EXPECT_TRUE(c.wait_for_bytes(expected.size(), 5s));
  c.finish();
  EXPECT_TRUE(c.text() == expected);
  c.expect_whole_lines();
  EXPECT_FALSE(ev.error_list().empty());
}

TEST_F(socket_receiver_test, silent_peer_then_reset_connection_loses_nothing_read_and_reconnects) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  std::string first = random_lines(rng, 30000);
  if (first.empty() || first.back() != '\n') first += '\n';
  const std::string second = random_lines(rng, 30000);
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  socket_receiver r{options_for(server.port())};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  {
    auto conn = server.accept();
    ASSERT_TRUE(conn->valid());
    // Connected and silent: nothing arrives, nothing goes wrong.
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(c.size(), 0u);
    EXPECT_TRUE(ev.error_list().empty());
    ASSERT_TRUE(conn->send_in_pieces(first, rng));
    EXPECT_TRUE(c.wait_for_bytes(first.size(), 5s));
    conn->reset();  // RST, not FIN
  }
  {
    auto conn = server.accept();
    ASSERT_TRUE(conn->valid()) << "the receiver did not reconnect after the reset";
    ASSERT_TRUE(conn->send_in_pieces(second, rng));
  }
  const std::string expected = first + second + (second.empty() || second.back() != '\n' ? "\n" : "");
  EXPECT_TRUE(c.wait_for_bytes(expected.size(), 5s));
  c.finish();
  EXPECT_TRUE(c.text() == expected) << "got " << c.text().size() << " bytes, expected " << expected.size();
  c.expect_whole_lines();
}

TEST_F(socket_receiver_test, stop_while_data_flows_keeps_whole_lines) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  const std::string text = random_lines(rng, 1 << 20);
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  socket_receiver r{options_for(server.port())};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  std::atomic<bool> quit{false};
  std::atomic<std::size_t> sent{0};
  scoped_thread sender{[&] {
    auto conn = server.accept();
    const auto deadline = clock_type::now() + 5s;
    // The same text again and again, until the receiver goes away.
    while (conn->valid() && !quit && clock_type::now() < deadline) {
      if (!conn->send_all(text, &sent)) break;
    }
  }};
  std::this_thread::sleep_for(200ms);
  c.finish();  // stops the receiver while data flows
  quit = true;
  sender.join();
  const std::string got = c.text();
  ASSERT_FALSE(got.empty());
  EXPECT_LE(got.size(), sent.load() + 1);
  EXPECT_EQ(got.back(), '\n');
  // All but the last byte are a prefix of what was sent (the last line may have
  // been cut by stop(), which then ends it with '\n').
  bool prefix = true;
  for (std::size_t i = 0; i + 1 < got.size() && prefix; ++i) prefix = got[i] == text[i % text.size()];
  EXPECT_TRUE(prefix);
  c.expect_whole_lines();
  r.stop();  // again: idempotent
  r.seal();  // after stop: returns at once
}

TEST_F(socket_receiver_test, exhausted_pool_pushes_back_on_the_sender) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  const std::string chunk = random_lines(rng, 1 << 20);
  std::string text;
  while (text.size() < (20u << 20)) text += chunk;
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  socket_receiver r{options_for(server.port())};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  std::atomic<std::size_t> sent{0};
  std::atomic<bool> sent_all{false};
  scoped_thread sender{[&] {
    auto conn = server.accept();
    sent_all = conn->valid() && conn->send_all(text, &sent);
  }};
  std::this_thread::sleep_for(300ms);  // nobody drains
  EXPECT_EQ(pool.available(), 0u);
  EXPECT_LE(queue.pending_bytes(), 4u * 64 * 1024);
  EXPECT_LT(sent.load(), text.size()) << "the sender was not held back";
  c.start();
  EXPECT_TRUE(c.wait_for_bytes(text.size(), 10s)) << "received " << c.size() << " of " << text.size();
  sender.join();
  c.finish();
  EXPECT_TRUE(sent_all.load());
  const std::string got = c.text();
  ASSERT_EQ(got.size(), text.size());
  EXPECT_TRUE(got == text) << "the bytes differ";
  c.expect_whole_lines();
}

TEST_F(socket_receiver_test, oversized_line_is_dropped_and_reported) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  const std::string before = random_lines(rng, 100000);
  const std::string after = random_lines(rng, 100000);
  const std::string text = before + std::string(10 * 1024, 'x') + "\n" + after;
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  socket_receiver r{options_for(server.port())};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 1024));
  c.start();
  {
    auto conn = server.accept();
    ASSERT_TRUE(conn->valid());
    ASSERT_TRUE(conn->send_in_pieces(text, rng));
  }
  const std::string expected = before + after;
  EXPECT_TRUE(c.wait_for_bytes(expected.size(), 5s));
  c.finish();
  EXPECT_TRUE(c.text() == expected);
  EXPECT_EQ(ev.oversized_list(), std::vector<std::size_t>{10 * 1024});
  c.expect_whole_lines();
}

TEST_F(socket_receiver_test, rate_limit_slows_reading) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  std::string text = random_lines(rng, 1 << 20);
  text.resize(1 << 20);
  text.back() = '\n';
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server server;
  auto o = options_for(server.port());
  o.max_bytes_per_second = 2 << 20;
  socket_receiver r{o};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  auto conn = server.accept();
  ASSERT_TRUE(conn->valid());
  const auto began = clock_type::now();
  scoped_thread sender{[&] { conn->send_all(text); }};
  EXPECT_TRUE(c.wait_for_bytes(text.size(), 10s));
  const std::chrono::duration<double> took = clock_type::now() - began;
  sender.join();
  c.finish();
  EXPECT_TRUE(c.text() == text);
  // 1 MiB at 2 MiB/s less a burst of 0.2 MiB: 0.4 s at least; a loose bound.
  EXPECT_GE(took.count(), 0.3);
}

TEST(socket_receiver, bad_options_are_rejected) {
  EXPECT_THROW(socket_receiver(socket_receiver_options{"", 9999}), gpustream::logic_error);
  EXPECT_THROW(socket_receiver(socket_receiver_options{"localhost", 0}), gpustream::logic_error);
  EXPECT_NO_THROW(socket_receiver(socket_receiver_options{"localhost", 9999}));
}

TEST(socket_receiver, lifecycle_without_start_and_twice) {
  socket_receiver idle{socket_receiver_options{"localhost", 9}};
  idle.seal();  // not started: returns at once
  idle.stop();
  idle.stop();

  pinned_block_pool pool{64 * 1024, 2, backend::cpu};
  block_queue queue;
  receiver_events ev;
  tcp_server down{not_listening};
  socket_receiver r{options_for(down.port())};
  r.start(ev.env(pool, queue, 16 * 1024));
  EXPECT_THROW(r.start(ev.env(pool, queue, 16 * 1024)), gpustream::logic_error);
  r.seal();
  r.stop();
  r.seal();
  EXPECT_THROW(r.start(ev.env(pool, queue, 16 * 1024)), gpustream::logic_error);

  socket_receiver too_small{options_for(9)};
  EXPECT_THROW(too_small.start(ev.env(pool, queue, 48 * 1024)), gpustream::logic_error);
}

}  // namespace
}  // namespace gpustream::test
