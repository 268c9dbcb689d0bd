#include "../common/random_text.hpp"
#include "../common/receiver_harness.hpp"
#include "../common/test_utils.hpp"
#include "../common/threads.hpp"
#include "../common/watched_directory.hpp"

#include "receivers/directory_receiver.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using detail::block_queue;
using detail::directory_receiver;
using detail::binary_probe_bytes;
using detail::directory_receiver_options;
using clock_type = std::chrono::steady_clock;

// The random texts hold NUL bytes, which pass through as any other byte does:
// the receivers of these tests read such files as text instead of skipping
// them as binary (the default, checked on its own below).
directory_receiver_options options_at(std::string path, std::chrono::milliseconds poll_interval = 100ms) {
  directory_receiver_options o;
  o.directory = std::move(path);
  o.poll_interval = poll_interval;
  o.binary_files = binary_file_policy::read;
  return o;
}

directory_receiver_options options_for(const watched_directory& dir) { return options_at(dir.path(), 10ms); }

/// A directory receiver started on a pool of `blocks` blocks of 64 KiB, and
/// the collector of its text, draining from the start unless told not to.
struct started_receiver {
  explicit started_receiver(directory_receiver_options o, std::size_t blocks = 4, bool drain = true)
      : pool{64 * 1024, blocks, backend::cpu}, r{std::move(o)}, c{r, queue} {
    r.start(ev.env(pool, queue, 16 * 1024));
    if (drain) c.start();
  }
  pinned_block_pool pool;
  block_queue queue;
  receiver_events ev;
  directory_receiver r;
  collector c;
};

struct directory_receiver_test : ::testing::Test {
  void SetUp() override { seed = fresh_seed(); }
  std::string seed_trace() const {
    return "seed=" + std::to_string(seed) + " (replay with GPUSTREAM_TEST_SEED=" + std::to_string(seed) + ")";
  }
  std::uint64_t seed = 0;
};

TEST_F(directory_receiver_test, new_files_arrive_whole_and_once) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  watched_directory dir;
  dir.write_in("old.txt", "present before start: never read\n");
  started_receiver t{options_for(dir)};
  EXPECT_EQ(t.r.name(), "directory " + dir.path());
  std::string expected;
  for (int i = 0; i < 6; ++i) {
    text_options o;
    o.bytes = 1 + rng() % 300000;  // across several blocks now and then
    o.trailing_newline = i % 2 == 0;
    const std::string text = make_text(rng, o);
    dir.move_in("file" + std::to_string(i) + ".txt", text);
    expected += text;
    if (expected.back() != '\n') expected += '\n';
    // One file after another: the order of arrival is the order of moving in.
    ASSERT_TRUE(t.c.wait_for_bytes(expected.size())) << "file " << i << " did not arrive";
  }
  std::this_thread::sleep_for(100ms);  // ten more polls: nothing is read twice
  t.c.finish();
  const std::string got = t.c.text();
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  t.c.expect_whole_lines();
  EXPECT_TRUE(t.ev.error_list().empty());
}

TEST_F(directory_receiver_test, file_ends_are_line_ends) {
  watched_directory dir;
  started_receiver t{options_for(dir)};
  dir.move_in("a", "abc\ndef");
  ASSERT_TRUE(t.c.wait_for_bytes(8));
  dir.move_in("b", "ghi");
  ASSERT_TRUE(t.c.wait_for_bytes(12));
  dir.move_in("c", std::string("\0\r\n\xff", 4));
  ASSERT_TRUE(t.c.wait_for_bytes(17));
  t.c.finish();
  EXPECT_EQ(t.c.text(), std::string("abc\ndef\nghi\n\0\r\n\xff\n", 17));
  t.c.expect_whole_lines();
}

TEST_F(directory_receiver_test, files_found_together_are_read_by_time_then_name) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  watched_directory dir;
  // Two blocks: the first file, 1 MiB, holds the receiver until the test
  // drains, while the next files are moved in; it then finds them together.
  started_receiver t{options_for(dir), 2, false};
  text_options o;
  o.bytes = 1 << 20;
  const std::string big = make_text(rng, o);
  dir.move_in("big", big);
  const auto deadline = clock_type::now() + 5s;
  while (t.pool.available() > 0 && clock_type::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(t.pool.available(), 0u) << "the receiver did not start reading";
  const auto now = fs::file_time_type::clock::now();
  dir.move_in("b", "b1\nb2\n", now - 5s);
  dir.move_in("a", "a1\n", now - 5s);
  dir.move_in("c", "c1\n", now - 10s);
  std::this_thread::sleep_for(50ms);  // not skipped while the pool is exhausted
  t.c.start();
  const std::string expected = big + "c1\na1\nb1\nb2\n";
  EXPECT_TRUE(t.c.wait_for_bytes(expected.size()));
  t.c.finish();
  EXPECT_TRUE(t.c.text() == expected);
  t.c.expect_whole_lines();
}

TEST_F(directory_receiver_test, hidden_temporary_and_empty_files_are_ignored) {
  watched_directory dir;
  started_receiver t{options_for(dir)};
  dir.move_in(".hidden", "hidden\n");
  dir.move_in("partial.tmp", "temporary\n");
  dir.move_in("upload._COPYING_", "copying\n");
  dir.move_in("empty.txt", "");
  fs::create_directory(dir.path() + "/subdir");
  std::this_thread::sleep_for(50ms);
  dir.move_in("real.txt", "real\n");
  EXPECT_TRUE(t.c.wait_for_bytes(5));
  std::this_thread::sleep_for(50ms);
  t.c.finish();
  EXPECT_EQ(t.c.text(), "real\n");
  EXPECT_TRUE(t.ev.error_list().empty());
}

TEST_F(directory_receiver_test, a_file_changed_in_place_is_not_read_again_but_a_new_one_is) {
  watched_directory dir;
  started_receiver t{options_for(dir)};
  dir.move_in("log", "one\n");
  ASSERT_TRUE(t.c.wait_for_bytes(4));
  {
    std::ofstream append{dir.path() + "/log", std::ios::app | std::ios::binary};
    append << "two\n";  // the same file, grown in place: Spark does not read it again
  }
  std::this_thread::sleep_for(100ms);  // many polls
  dir.move_in("log", "three\n");        // a different file under the same name
  ASSERT_TRUE(t.c.wait_for_bytes(10));
  std::this_thread::sleep_for(50ms);
  t.c.finish();
  EXPECT_EQ(t.c.text(), "one\nthree\n");
}

TEST_F(directory_receiver_test, unreadable_file_is_reported_once_and_skipped) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  watched_directory dir;
  started_receiver t{options_for(dir)};
  dir.move_in("locked", "secret\n", std::nullopt, fs::perms::none);
  dir.move_in("open", "public\n");
  EXPECT_TRUE(t.c.wait_for_bytes(7));
  std::this_thread::sleep_for(50ms);
  t.c.finish();
  EXPECT_EQ(t.c.text(), "public\n");
  const auto errors = t.ev.error_list();
  ASSERT_EQ(errors.size(), 1u) << "reported once, not at every poll";
  EXPECT_NE(errors[0].find("locked"), std::string::npos) << errors[0];
}

TEST_F(directory_receiver_test, stop_mid_file_with_an_exhausted_pool_does_not_block_seal) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  watched_directory dir;
  pinned_block_pool pool{64 * 1024, 2, backend::cpu};
  block_queue queue;
  receiver_events ev;
  directory_receiver r{options_for(dir)};
  r.start(ev.env(pool, queue, 16 * 1024));
  text_options o;
  o.bytes = 1 << 20;
  const std::string text = make_text(rng, o);
  dir.move_in("big", text);
  // Nobody drains: the reader fills both blocks and waits for a free one,
  // with the partial line at the end of the second block put aside.
  ASSERT_TRUE(wait_until([&] { return pool.available() == 0 && queue.pending_bytes() > 64 * 1024; }, 10s))
      << "the receiver did not fill the pool";
  scoped_thread stopper{[&] { r.stop(); }};
  std::this_thread::sleep_for(50ms);  // stop() is under way
  // The job generator seals every receiver before it takes the sealed
  // blocks that free the pool: seal() must not wait for stop() here.
  std::atomic<bool> sealed{false};
  scoped_thread sealer{[&] {
    r.seal();
    sealed = true;
  }};
  const bool in_time = wait_until([&] { return sealed.load(); }, 3s);
  EXPECT_TRUE(in_time) << "seal() waited for stop(), which waited for a free block";
  std::string got;
  auto take = [&] {
    for (auto& b : queue.take_all()) got.append(b.block.data(), b.bytes);
  };
  take();  // frees the blocks either way, so that nothing hangs
  sealer.join();
  stopper.join();
  take();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), '\n');
  // Whole lines of the file, then its unfinished last line as a record.
  const std::size_t last = got.rfind('\n', got.size() - 2);
  ASSERT_NE(last, std::string::npos);
  EXPECT_TRUE(text.compare(0, got.size() - 1, got, 0, got.size() - 1) == 0) << "not a prefix of the file";
  const auto errors = ev.error_list();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("stopped while reading"), std::string::npos) << errors[0];
}

TEST_F(directory_receiver_test, files_present_at_start_are_read_when_not_new_files_only) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  watched_directory dir;
  // Present at start, oldest first: read in order of time, and hidden or
  // temporary ones still not.
  const auto now = fs::file_time_type::clock::now();
  std::string expected;
  const int present = 1 + static_cast<int>(rng() % 5);
  for (int i = 0; i < present; ++i) {
    text_options o;
    o.bytes = 1 + rng() % 100000;
    o.trailing_newline = rng() % 2 == 0;
    const std::string text = make_text(rng, o);
    // Names in the reverse order of times: the time decides.
    dir.move_in("z" + std::to_string(present - i), text, now - std::chrono::seconds(60 - i));
    expected += text;
    if (expected.back() != '\n') expected += '\n';
  }
  dir.move_in(".hidden", "hidden\n", now - 120s);
  dir.move_in("partial.tmp", "temporary\n", now - 120s);
  auto opts = options_for(dir);
  opts.new_files_only = false;
  started_receiver t{opts};
  ASSERT_TRUE(t.c.wait_for_bytes(expected.size())) << "the files present at start did not arrive";
  dir.move_in("later", "moved in later\n");
  expected += "moved in later\n";
  ASSERT_TRUE(t.c.wait_for_bytes(expected.size()));
  std::this_thread::sleep_for(100ms);  // more polls: nothing is read twice
  t.c.finish();
  EXPECT_TRUE(t.c.text() == expected) << t.c.text().size() << " bytes, expected " << expected.size();
  t.c.expect_whole_lines();
  EXPECT_TRUE(t.ev.error_list().empty());
}

TEST_F(directory_receiver_test, the_filter_chooses_files_by_name_and_a_throwing_one_skips_the_file) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  watched_directory dir;
  auto opts = options_for(dir);
  std::atomic<int> bad_calls{0};
  opts.filter = [&bad_calls](const std::string& name) {
    if (name.find('/') != std::string::npos) throw std::runtime_error{"a path, not a name: " + name};
    if (name == "bad.log") {
      ++bad_calls;
      throw std::runtime_error{"no verdict"};
    }
    return name.size() >= 4 && name.compare(name.size() - 4, 4, ".log") == 0;
  };
  started_receiver t{opts};
  dir.move_in("bad.log", "the filter threw on this file\n");
  std::string expected;
  for (int i = 0; i < 8; ++i) {
    text_options o;
    o.bytes = 1 + rng() % 20000;
    const std::string text = make_text(rng, o);
    const bool wanted = rng() % 2 == 0;
    dir.move_in("f" + std::to_string(i) + (wanted ? ".log" : ".log.gz"), text);
    if (wanted) {
      expected += text;
      if (expected.back() != '\n') expected += '\n';
      // One after another, so that the order of arrival is the order of moving in.
      ASSERT_TRUE(t.c.wait_for_bytes(expected.size())) << "file " << i << " did not arrive";
    }
  }
  dir.move_in("last.log", "last\n");
  expected += "last\n";
  ASSERT_TRUE(t.c.wait_for_bytes(expected.size()));
  std::this_thread::sleep_for(100ms);  // more polls
  t.c.finish();
  EXPECT_TRUE(t.c.text() == expected) << t.c.text();
  EXPECT_EQ(bad_calls.load(), 1) << "a file the filter threw on is asked about once";
  const auto errors = t.ev.error_list();
  ASSERT_EQ(errors.size(), 1u) << "reported once, not at every poll";
  EXPECT_NE(errors[0].find("bad.log"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("no verdict"), std::string::npos) << errors[0];
}

/// `size` random bytes with no NUL among them but at `nuls`, and short lines.
std::string bytes_with_nuls(std::mt19937_64& rng, std::size_t size, std::vector<std::size_t> nuls) {
  std::string bytes(size, ' ');
  for (char& c : bytes) c = rng() % 64 == 0 ? '\n' : static_cast<char>(1 + rng() % 255);
  for (const std::size_t at : nuls) bytes[at] = '\0';
  return bytes;
}

TEST_F(directory_receiver_test, files_that_are_not_text_are_skipped_and_reported_once) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  EXPECT_EQ(directory_receiver_options{}.binary_files, binary_file_policy::skip) << "skipping is the default";
  watched_directory dir;
  auto opts = options_for(dir);
  opts.binary_files = binary_file_policy::skip;
  started_receiver t{opts};

  struct file {
    std::string name;
    std::string bytes;
    std::optional<std::size_t> nul;  // the first NUL of the probe: skipped
  };
  std::vector<file> files;
  const std::size_t anywhere = rng() % binary_probe_bytes;
  files.push_back({"log.gz", bytes_with_nuls(rng, binary_probe_bytes + rng() % 200000, {anywhere}), anywhere});
  files.push_back({"first-byte.bin", bytes_with_nuls(rng, 1 + rng() % 5000, {0}), 0});
  const std::size_t probe_end = binary_probe_bytes;
  files.push_back(
      {"last-probe-byte.bin", bytes_with_nuls(rng, probe_end + 1 + rng() % 100, {probe_end - 1}), probe_end - 1});
  files.push_back({"short.bin", bytes_with_nuls(rng, 10, {9}), 9});
  // A NUL past the probe, or none at all: text, read as it is.
  files.push_back({"after-probe.txt", bytes_with_nuls(rng, probe_end + 1 + rng() % 100, {probe_end}), std::nullopt});
  for (int i = 0; i < 4; ++i) {
    text_options o;
    o.bytes = 1 + rng() % 30000;
    o.binary = false;
    files.push_back({"text" + std::to_string(i) + ".log", make_text(rng, o), std::nullopt});
  }
  std::shuffle(files.begin(), files.end(), rng);
  files.push_back({"last.log", "the last file\n", std::nullopt});

  std::string expected;
  std::size_t skipped = 0;
  for (const auto& f : files) {
    dir.move_in(f.name, f.bytes);
    if (f.nul) {
      ++skipped;
      continue;
    }
    expected += f.bytes;
    if (expected.back() != '\n') expected += '\n';
    // One after another: files are read in the order they arrive.
    ASSERT_TRUE(t.c.wait_for_bytes(expected.size())) << f.name << " did not arrive";
  }
  std::this_thread::sleep_for(100ms);  // more polls: nothing is reported twice
  t.c.finish();
  EXPECT_TRUE(t.c.text() == expected) << "the text files' bytes, and nothing of the others";
  EXPECT_EQ(t.ev.skipped_files(), skipped);
  const auto errors = t.ev.error_list();
  ASSERT_EQ(errors.size(), skipped) << "each skipped file reported once";
  for (const auto& f : files) {
    if (!f.nul) continue;
    const std::string want = "'" + (fs::path{dir.path()} / f.name).string() + "' is not text (a NUL byte at byte " +
                             std::to_string(*f.nul) + "): skipped";
    EXPECT_EQ(std::count_if(errors.begin(), errors.end(),
                            [&](const std::string& e) { return e.find(want) != std::string::npos; }),
              1)
        << want;
  }
}

TEST_F(directory_receiver_test, files_that_are_not_text_are_read_when_asked) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  watched_directory dir;
  started_receiver t{options_for(dir)};  // binary_file_policy::read
  const std::string bytes = bytes_with_nuls(rng, 1 + rng() % 50000, {0, rng() % binary_probe_bytes});
  dir.move_in("data.bin", bytes);
  const std::string expected = bytes.back() == '\n' ? bytes : bytes + '\n';
  EXPECT_TRUE(t.c.wait_for_bytes(expected.size()));
  t.c.finish();
  EXPECT_TRUE(t.c.text() == expected);
  EXPECT_EQ(t.ev.skipped_files(), 0u);
  EXPECT_TRUE(t.ev.error_list().empty());
}

TEST(directory_receiver, missing_directory_is_rejected) {
  const fs::path missing = fs::temp_directory_path() / "gpustream_no_such_directory_for_tests";
  try {
    directory_receiver r{options_at(missing.string())};
    ADD_FAILURE() << "no exception";
  } catch (const gpustream::logic_error& e) {
    EXPECT_NE(std::string{e.what()}.find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(directory_receiver(options_at("")), gpustream::logic_error);
  watched_directory dir;
  dir.write_in("plain", "x\n");
  EXPECT_THROW(directory_receiver(options_at(dir.path() + "/plain")),
               gpustream::logic_error);
  EXPECT_THROW(directory_receiver(options_at(dir.path(), 0ms)), gpustream::logic_error);
}

TEST(directory_receiver, lifecycle_without_start_and_twice) {
  watched_directory dir;
  directory_receiver idle{options_at(dir.path())};
  idle.seal();
  idle.stop();
  idle.stop();

  pinned_block_pool pool{64 * 1024, 2, backend::cpu};
  block_queue queue;
  receiver_events ev;
  directory_receiver r{options_for(dir)};
  r.start(ev.env(pool, queue, 16 * 1024));
  EXPECT_THROW(r.start(ev.env(pool, queue, 16 * 1024)), gpustream::logic_error);
  r.seal();
  r.stop();
  r.stop();
  r.seal();
  EXPECT_THROW(r.start(ev.env(pool, queue, 16 * 1024)), gpustream::logic_error);
}

}  // namespace
}  // namespace gpustream::test
