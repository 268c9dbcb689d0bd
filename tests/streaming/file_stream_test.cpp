// text_file_stream end to end: files moved into the watched directory while
// the context runs are counted once, whole; files there before are not read,
// unless new_files_only is off, and then once across restarts.

#include "../common/streaming_utils.hpp"
#include "../common/threads.hpp"
#include "../common/watched_directory.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;

/// The random texts hold NUL bytes, which pass through as any other byte
/// does: read such files as text instead of skipping them as binary.
file_stream_options reading_nul_bytes() {
  file_stream_options fo;
  fo.binary_files = binary_file_policy::read;
  return fo;
}
using file_stream_test = streaming_test;

std::string terminated(std::string text) {
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

/// Stops `ctx` on another thread; a stop that does not return in `timeout`
/// is a deadlock, which would hang the test: it aborts instead.
void stop_within(streaming_context& ctx, bool graceful, std::chrono::milliseconds timeout = 60s) {
  std::atomic<bool> done{false};
  std::thread stopper{[&] {
    ctx.stop(graceful);
    done = true;
  }};
  if (!wait_until([&] { return done.load(); }, timeout)) {
    std::cerr << "streaming_context::stop(" << graceful << ") did not return within " << timeout.count()
              << " ms: a deadlock" << std::endl;
    std::abort();
  }
  stopper.join();
}

TEST_P(file_stream_test, files_moved_in_are_counted_once_and_files_present_before_are_not) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  watched_directory dir;
  dir.write_in("before.txt", "preexisting words are never read\n");
  dir.move_in("moved-before.log", "preexisting too\n");

  streaming_context ctx{options()};
  auto counts = count_words(ctx.text_file_stream(dir.path(), reading_nul_bytes()));
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();

  std::string expected;
  for (int i = 0; i < 7; ++i) {
    text_options o;
    // Mostly small files, and one larger than the whole receive pool.
    o.bytes = i == 3 ? (3u << 20) / 2 : 1 + rng() % 150000;
    o.trailing_newline = rng() % 2 == 0;
    const std::string text = make_text(rng, o);
    dir.move_in("file-" + std::to_string(i) + ".txt", text);
    expected += terminated(text);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
  }
  dir.move_in(".hidden", "hidden files are ignored\n");
  dir.move_in("partial.tmp", "files being written are ignored\n");
  dir.move_in("empty", "");
  EXPECT_TRUE(wait_until([&] { return events->completed_bytes() >= expected.size(); }, 60s))
      << "processed " << events->completed_bytes() << " of " << expected.size() << " bytes";
  std::this_thread::sleep_for(150ms);  // more polls: nothing is read twice
  ctx.stop(true);
  EXPECT_EQ(events->completed_bytes(), expected.size());
  EXPECT_EQ(events->completed_records(), ref_split_lines(expected).size());
  EXPECT_EQ(counts->totals().count("preexisting"), 0u) << "a file present at start was read";
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(expected)), "");
  EXPECT_TRUE(events->receivers(recording_listener::type::receiver_error).empty());
  const auto started = events->receivers(recording_listener::type::receiver_started);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].name, "directory " + dir.path());
}

TEST_P(file_stream_test, files_that_are_not_text_are_skipped_counted_and_reported) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  watched_directory dir;
  streaming_context ctx{options()};
  auto counts = count_words(ctx.text_file_stream(dir.path()));  // binary files skipped: the default
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();

  std::string expected;
  std::vector<std::string> binary_names;
  for (int i = 0; i < 6; ++i) {
    text_options o;
    o.bytes = 1 + rng() % 100000;
    // Text files without NUL bytes; the others with NUL bytes all through, as
    // compressed logs or the random texts of the other tests have.
    o.binary = rng() % 2 == 0;
    const std::string text = make_text(rng, o);
    const bool binary = text.find('\0') != std::string::npos && text.find('\0') < 8192;
    const std::string name = "file-" + std::to_string(i) + (binary ? ".gz" : ".log");
    dir.move_in(name, text);
    if (binary) {
      binary_names.push_back(name);
    } else {
      expected += terminated(text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
  }
  dir.move_in("last.log", "last\n");
  expected += "last\n";
  EXPECT_TRUE(wait_until([&] { return events->completed_bytes() >= expected.size(); }, 60s));
  std::this_thread::sleep_for(150ms);  // more polls: nothing is reported twice
  ctx.stop(true);
  EXPECT_EQ(events->completed_bytes(), expected.size());
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(expected)), "");
  EXPECT_EQ(events->skipped_files(), binary_names.size()) << "the batches' skipped_files";
  const auto errors = events->receivers(recording_listener::type::receiver_error);
  ASSERT_EQ(errors.size(), binary_names.size());
  for (const auto& name : binary_names) {
    EXPECT_EQ(std::count_if(errors.begin(), errors.end(),
                            [&](const receiver_info& e) {
                              return e.message.find(name + "' is not text") != std::string::npos;
                            }),
              1)
        << name;
  }
  if (!binary_names.empty()) {
    EXPECT_NE(log_.str().find("non-text file(s) skipped"), std::string::npos) << log_.str();
  }
}

TEST_P(file_stream_test, stop_while_a_file_waits_for_the_pool) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  text_options o;
  o.bytes = 4u << 20;
  const std::string text = make_text(rng, o);
  for (const bool graceful : {true, false}) {
    SCOPED_TRACE(graceful ? "graceful" : "immediate");
    watched_directory dir;
    // Two small blocks and a long interval: between batches the reader fills
    // the pool and waits, its last line cut at a block's end put aside.
    auto opts = options(300ms);
    opts.block_bytes = 2 * max_record_bytes;
    opts.blocks_per_receiver = 2;
    streaming_context ctx{opts};
    auto counts = count_words(ctx.text_file_stream(dir.path(), reading_nul_bytes()));
    auto events = std::make_shared<recording_listener>();
    ctx.add_listener(events);
    ctx.start();
    dir.move_in("big.txt", text);
    ASSERT_TRUE(wait_until([&] { return events->completed_bytes() > 0; }, 60s));
    std::this_thread::sleep_for(100ms);  // inside an interval: the pool is full again
    stop_within(ctx, graceful);
    const std::uint64_t bytes = events->completed_bytes();
    ASSERT_GT(bytes, 0u);
    ASSERT_LT(bytes, text.size()) << "the file was read whole before the stop";
    // What ran is the start of the file: whole lines, then (graceful) the
    // unfinished last line ended by the receiver.
    const std::string processed = graceful ? text.substr(0, bytes - 1) + "\n" : text.substr(0, bytes);
    if (!graceful) {
      EXPECT_EQ(processed.back(), '\n');
    }
    EXPECT_EQ(events->completed_records(), ref_split_lines(processed).size());
    EXPECT_EQ(count_difference(counts->totals(), ref_word_count(processed)), "");
  }
}

TEST_P(file_stream_test, files_present_before_are_read_once_across_a_restart_when_not_new_files_only) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  watched_directory dir;
  const std::filesystem::path checkpoints = dir.root() / "checkpoints";
  auto is_log = [](const std::string& name) {
    return name.size() >= 4 && name.compare(name.size() - 4, 4, ".log") == 0;
  };
  // Files present before the first start, some of them not ".log".
  std::string expected;
  for (int i = 0; i < 6; ++i) {
    text_options o;
    o.bytes = 1 + rng() % 50000;
    o.trailing_newline = rng() % 2 == 0;
    const std::string text = make_text(rng, o);
    const bool wanted = i == 0 || rng() % 3 != 0;
    dir.write_in("present-" + std::to_string(i) + (wanted ? ".log" : ".txt"), text);
    if (wanted) expected += terminated(text);
  }
  auto build = [&](streaming_context& ctx) {
    file_stream_options fo = reading_nul_bytes();
    fo.new_files_only = false;
    fo.filter = is_log;
    fo.poll_interval = std::chrono::milliseconds{20};
    return count_words(ctx.text_file_stream(dir.path(), fo));
  };
  auto checkpointed = [&] {
    streaming_options o = options();
    o.checkpoint_directory = checkpoints.string();
    o.checkpoint_interval = 2 * o.batch_interval;
    return o;
  };
  {
    streaming_context ctx{checkpointed()};
    auto counts = build(ctx);
    auto events = std::make_shared<recording_listener>();
    ctx.add_listener(events);
    ctx.start();
    EXPECT_TRUE(wait_until([&] { return events->completed_bytes() >= expected.size(); }, 60s))
        << "processed " << events->completed_bytes() << " of " << expected.size() << " bytes";
    std::this_thread::sleep_for(300ms);  // several checkpoints after the files were read
    ctx.stop(true);
    EXPECT_EQ(events->completed_bytes(), expected.size());
    EXPECT_EQ(count_difference(counts->totals(), ref_word_count(expected)), "");
    EXPECT_TRUE(events->receivers(recording_listener::type::receiver_error).empty());
  }
  // Moved in while the program was down: read after the restart; the files
  // read before it are not read again.
  text_options o;
  o.bytes = 1 + rng() % 50000;
  const std::string later = make_text(rng, o);
  dir.move_in("later.log", later);
  dir.move_in("later.txt", "not a log file\n");
  streaming_context ctx{checkpointed()};
  auto counts = build(ctx);
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  ASSERT_TRUE(ctx.recovered_from().has_value()) << "no checkpoint to go on from";
  EXPECT_TRUE(wait_until([&] { return counts->totals() == ref_word_count(terminated(later)); }, 60s))
      << count_difference(counts->totals(), ref_word_count(terminated(later)));
  std::this_thread::sleep_for(150ms);  // more polls: nothing is read twice
  ctx.stop(true);
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(terminated(later))), "");
}

TEST_P(file_stream_test, a_poll_interval_that_is_not_positive_is_refused) {
  watched_directory dir;
  streaming_context ctx{options()};
  file_stream_options fo;
  fo.poll_interval = std::chrono::milliseconds{0};
  EXPECT_THROW(ctx.text_file_stream(dir.path(), fo), gpustream::logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(file_stream_test);

}  // namespace
}  // namespace gpustream::test
