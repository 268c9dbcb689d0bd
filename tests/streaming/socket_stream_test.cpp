// socket_text_stream end to end: a TCP server in the test sends known text in
// pieces of random sizes; the word counts summed over every batch must equal
// the counts of the whole input.

#include "../common/streaming_utils.hpp"
#include "../common/tcp_server.hpp"
#include "../common/threads.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using socket_stream_test = streaming_test;

socket_stream_options fast_reconnect() {
  socket_stream_options o;
  o.reconnect_delay = 50ms;
  return o;
}

/// A line of `len` bytes (no '\n'): random words, some with NUL and invalid
/// UTF-8 bytes, separated by spaces and tabs.
std::string long_line(std::mt19937_64& rng, std::size_t len) {
  std::string l;
  while (l.size() < len) {
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t i = 0; i < n; ++i) {
      const auto k = rng() % 32;
      l += k == 0 ? '\0' : k == 1 ? static_cast<char>(0xff) : static_cast<char>('a' + rng() % 26);
    }
    l += rng() % 5 == 0 ? '\t' : ' ';
  }
  l.resize(len);
  return l;
}

/// Inserts `line` (with its line end) at a line boundary of `text` near `where`.
void insert_line(std::string& text, std::size_t where, const std::string& line) {
  const std::size_t nl = text.find('\n', std::min(where, text.size()));
  const std::size_t at = nl == std::string::npos ? text.size() : nl + 1;
  if (at == text.size() && !text.empty() && text.back() != '\n') text += '\n';
  text.insert(at, line);
}

/// Random text for a socket: words over several alphabets with NUL bytes and
/// invalid UTF-8, LF and CRLF line ends, and long lines up to the maximum
/// record size exactly (counting a '\r' before the '\n').
std::string socket_text(std::mt19937_64& rng, std::size_t bytes, std::size_t max_record, bool trailing_newline) {
  text_options o;
  o.bytes = bytes;
  o.trailing_newline = trailing_newline;
  std::string text = make_text(rng, o);
  insert_line(text, rng() % text.size(), long_line(rng, max_record) + "\n");
  insert_line(text, rng() % text.size(), long_line(rng, max_record - 1) + "\r\n");
  insert_line(text, rng() % text.size(), long_line(rng, 1 + rng() % max_record) + "\n");
  const char odd[] = "nul\0byte \xff\xfe invalid \xc3\xa9t\xc3\xa9\r\n";
  insert_line(text, rng() % text.size(), std::string(odd, sizeof odd - 1));
  return text;
}

/// What the receiver makes of the input: a last line without '\n' gets one.
std::string terminated(std::string text) {
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

/// Waits until the batches have processed all of `text`, stops gracefully,
/// and checks every count against the host reference.
void expect_counted_exactly(streaming_context& ctx, const recording_listener& events, const count_sink& counts,
                            const std::string& text) {
  const std::string processed = terminated(text);
  EXPECT_TRUE(wait_until([&] { return events.completed_bytes() >= processed.size(); }, 60s))
      << "processed " << events.completed_bytes() << " of " << processed.size() << " bytes";
  ctx.stop(true);
  EXPECT_EQ(events.completed_bytes(), processed.size());
  EXPECT_EQ(events.completed_records(), ref_split_lines(text).size());
  EXPECT_EQ(events.oversized_records(), 0u);
  EXPECT_EQ(counts.duplicate_keys(), 0u) << "a word came twice in one batch";
  EXPECT_EQ(count_difference(counts.totals(), ref_word_count(text)), "");
}

TEST_P(socket_stream_test, text_in_random_pieces_is_counted_exactly) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const std::string text = socket_text(rng, 1 << 20, max_record_bytes, true);
  tcp_server server;
  streaming_context ctx{options()};
  auto counts = count_words(ctx.socket_text_stream("127.0.0.1", server.port(), fast_reconnect()));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  std::atomic<bool> sent{false};
  scoped_thread sender{[&] {
    auto conn = server.accept(30s);
    std::mt19937_64 pieces{seed_ + 1};
    sent = conn->valid() && conn->send_in_pieces(text, pieces);
  }};  // the connection closes when the thread ends
  sender.join();
  EXPECT_TRUE(sent.load()) << "the server could not send everything";
  expect_counted_exactly(ctx, *events, *counts, text);
  EXPECT_GT(events->completed_batches(), 1u);
}

TEST_P(socket_stream_test, server_closing_mid_line_then_coming_back) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  // The first connection ends inside a line: that partial line is a record.
  const std::string first = socket_text(rng, 200000, max_record_bytes, false) + " and a last line cut sh";
  const std::string second = socket_text(rng, 200000, max_record_bytes, true);
  tcp_server server;
  streaming_context ctx{options()};
  auto counts = count_words(ctx.socket_text_stream("127.0.0.1", server.port(), fast_reconnect()));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  {
    auto conn = server.accept(30s);
    ASSERT_TRUE(conn->valid());
    ASSERT_TRUE(conn->send_in_pieces(first, rng));
  }  // closed mid-line
  ASSERT_TRUE(wait_until([&] { return events->completed_bytes() >= first.size() + 1; }, 60s))
      << "the partial last line of a closed connection was not processed";
  EXPECT_EQ(events->completed_bytes(), first.size() + 1);
  {
    auto conn = server.accept(30s);
    ASSERT_TRUE(conn->valid()) << "the receiver did not reconnect";
    ASSERT_TRUE(conn->send_in_pieces(second, rng));
  }
  expect_counted_exactly(ctx, *events, *counts, first + "\n" + second);
}

TEST_P(socket_stream_test, server_not_up_at_start_is_retried) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const std::string text = socket_text(rng, 300000, max_record_bytes, true);
  tcp_server server{not_listening};
  const std::uint16_t port = server.port();
  streaming_context ctx{options()};
  auto counts = count_words(ctx.socket_text_stream("127.0.0.1", port, fast_reconnect()));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  using type = recording_listener::type;
  // Batches go on, empty, while the receiver retries.
  ASSERT_TRUE(wait_until([&] { return events->completed_batches() >= 3 && !events->receivers(type::receiver_error).empty(); }));
  server.listen();
  {
    auto conn = server.accept(30s);
    ASSERT_TRUE(conn->valid()) << "the receiver did not retry";
    ASSERT_TRUE(conn->send_in_pieces(text, rng));
  }
  expect_counted_exactly(ctx, *events, *counts, text);
  const auto errors = events->receivers(type::receiver_error);
  ASSERT_EQ(errors.size(), 1u) << "one report per outage, not one per retry";
  const std::string name = "socket 127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(errors[0].id, 0);
  EXPECT_EQ(errors[0].name, name);
  EXPECT_NE(errors[0].message.find("retrying every 50 ms"), std::string::npos) << errors[0].message;
  EXPECT_NE(log_.str().find("[warn] receiver 0 (" + name + "): "), std::string::npos) << log_.str();
}

/// The first `n` bytes of `text` repeated without end.
std::string cycle_prefix(const std::string& text, std::size_t n) {
  std::string out;
  out.reserve(n);
  while (out.size() + text.size() <= n) out += text;
  out.append(text, 0, n - out.size());
  return out;
}

/// A server that sends `text` again and again, in pieces, until the receiver
/// goes away or quit is set.
struct endless_sender {
  endless_sender(tcp_server& server, const std::string& text, std::uint64_t seed)
      : thread{[this, &server, &text, seed] {
          auto conn = server.accept(30s);
          std::mt19937_64 pieces{seed};
          while (conn->valid() && !quit && conn->send_in_pieces(text, pieces, &sent, 4096)) {
          }
        }} {}
  std::atomic<bool> quit{false};
  std::atomic<std::size_t> sent{0};
  scoped_thread thread;
};

TEST_P(socket_stream_test, graceful_stop_while_data_flows_processes_everything_received) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const std::string text = socket_text(rng, 256 * 1024, max_record_bytes, true);
  tcp_server server;
  streaming_context ctx{options()};
  auto counts = count_words(ctx.socket_text_stream("127.0.0.1", server.port(), fast_reconnect()));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  endless_sender sender{server, text, seed_ + 1};
  ASSERT_TRUE(wait_until([&] { return events->completed_bytes() > 2 * text.size() + 12345; }, 60s));
  ctx.stop(true);  // the server is still sending
  sender.quit = true;
  sender.thread.join();
  // Every byte the receiver had read was processed, once: a prefix of what was
  // sent, its cut last line ended by the receiver.
  const std::uint64_t bytes = events->completed_bytes();
  ASSERT_GT(bytes, 0u);
  EXPECT_LE(bytes, sender.sent.load() + 1);
  const std::string processed = cycle_prefix(text, bytes - 1) + "\n";
  EXPECT_EQ(events->completed_records(), ref_split_lines(processed).size());
  EXPECT_EQ(events->completed_batches(), ctx.batches_completed());
  EXPECT_EQ(counts->batches(), ctx.batches_completed());
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(processed)), "");
}

TEST_P(socket_stream_test, immediate_stop_while_data_flows_processes_whole_batches_only) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const std::string text = socket_text(rng, 256 * 1024, max_record_bytes, true);
  tcp_server server;
  streaming_context ctx{options()};
  auto counts = count_words(ctx.socket_text_stream("127.0.0.1", server.port(), fast_reconnect()));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  endless_sender sender{server, text, seed_ + 1};
  ASSERT_TRUE(wait_until([&] { return events->completed_bytes() > text.size() + 12345; }, 60s));
  ctx.stop(false);
  sender.quit = true;
  sender.thread.join();
  // The batches that ran hold whole lines: a prefix of what was sent that
  // ends with a line; the batches dropped hold the rest.
  const std::uint64_t bytes = events->completed_bytes();
  const std::string processed = cycle_prefix(text, bytes);
  ASSERT_EQ(processed.back(), '\n');
  EXPECT_EQ(events->completed_records(), ref_split_lines(processed).size());
  EXPECT_EQ(counts->batches(), ctx.batches_completed());
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(processed)), "");
}

TEST_P(socket_stream_test, oversized_line_is_dropped_reported_and_the_stream_goes_on) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  const std::string before = socket_text(rng, 150000, max_record_bytes, true);
  const std::string oversized = "oversizedmarker " + long_line(rng, max_record_bytes + 1 - 16);
  const std::string after = socket_text(rng, 150000, max_record_bytes, true);
  const std::string text = before + oversized + "\r\n" + after;
  tcp_server server;
  streaming_context ctx{options()};
  auto counts = count_words(ctx.socket_text_stream("127.0.0.1", server.port(), fast_reconnect()));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  {
    auto conn = server.accept(30s);
    ASSERT_TRUE(conn->valid());
    ASSERT_TRUE(conn->send_in_pieces(text, rng));
  }
  const std::string kept = before + after;
  ASSERT_TRUE(wait_until([&] { return events->completed_bytes() >= kept.size() && events->oversized_records() > 0; }, 60s));
  ctx.stop(true);
  EXPECT_EQ(events->completed_bytes(), kept.size());
  EXPECT_EQ(events->completed_records(), ref_split_lines(kept).size());
  EXPECT_EQ(events->oversized_records(), 1u);
  EXPECT_EQ(counts->totals().count("oversizedmarker"), 0u);
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(kept)), "");
  const std::string log = log_.str();
  EXPECT_NE(log.find("dropped a record of"), std::string::npos) << log;
  EXPECT_NE(log.find("over the maximum record size of " + std::to_string(max_record_bytes) + " bytes"),
            std::string::npos);
  EXPECT_NE(log.find(", 1 oversized record(s) dropped"), std::string::npos) << log;
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(socket_stream_test);

}  // namespace
}  // namespace gpustream::test
