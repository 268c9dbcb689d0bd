#include "../common/random_text.hpp"
#include "../common/reference.hpp"
#include "../common/test_utils.hpp"

#include "receivers/directory_receiver.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using detail::block_queue;
using detail::directory_receiver;
using detail::directory_receiver_options;
using detail::receiver;
using detail::receiver_env;
using clock_type = std::chrono::steady_clock;

/// Drains a receiver like the job generator does: seal(), take_all(), then
/// copies the blocks' bytes out and releases the blocks at once.
class collector {
 public:
  collector(receiver& r, block_queue& q) : receiver_{r}, queue_{q} {}
  ~collector() { finish(); }
  collector(const collector&) = delete;
  collector& operator=(const collector&) = delete;

  /// Drains every `period` on a thread of its own.
  void start(std::chrono::milliseconds period = 2ms) {
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
      if (bytes.empty() || bytes.back() != '\n') blocks_end_in_newline_ = false;
      for (auto& line : ref_split_lines(bytes)) block_lines_.push_back(std::move(line));
      text_ += bytes;
    }
  }

  /// Stops the receiver while still draining, then takes what is left.
  void finish() {
    start();
    receiver_.stop();
    quit_ = true;
    if (thread_.joinable()) thread_.join();
    thread_running_ = false;
    take();
  }

  /// Waits until at least `bytes` bytes were collected; false on time-out.
  bool wait_for_bytes(std::size_t bytes, std::chrono::milliseconds timeout = 5s) const {
    const auto deadline = clock_type::now() + timeout;
    while (size() < bytes) {
      if (clock_type::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
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

  /// Every block ends with '\n', and splitting each block into lines gives
  /// the lines of the whole text: no line was cut at a block boundary.
  void expect_whole_lines() const {
    std::lock_guard lock{mutex_};
    EXPECT_TRUE(blocks_end_in_newline_) << "a block does not end with '\\n'";
    EXPECT_TRUE(ref_split_lines(text_) == block_lines_) << "a line was split across blocks";
  }

 private:
  receiver& receiver_;
  block_queue& queue_;
  std::thread thread_;
  bool thread_running_ = false;
  std::atomic<bool> quit_{false};

  mutable std::mutex mutex_;
  std::string text_;
  std::vector<std::string> block_lines_;
  bool blocks_end_in_newline_ = true;
};

/// Errors a receiver reported.
struct events {
  std::mutex mutex;
  std::vector<std::string> errors;

  receiver_env env(pinned_block_pool& pool, block_queue& queue, std::size_t max_record) {
    receiver_env e;
    e.pool = &pool;
    e.queue = &queue;
    e.id = 3;
    e.max_record_bytes = max_record;
    e.on_error = [this](const std::string& m) {
      std::lock_guard lock{mutex};
      errors.push_back(m);
    };
    return e;
  }
  std::vector<std::string> error_list() {
    std::lock_guard lock{mutex};
    return errors;
  }
};

/// A fresh directory to watch, and a staging directory beside it on the same
/// file system where files are written before they are moved in.
class watched_directory {
 public:
  watched_directory() {
    static std::atomic<int> counter{0};
    root_ = fs::temp_directory_path() / ("gpustream_directory_receiver_" + std::to_string(::getpid()) +
                                         "_" + std::to_string(counter++));
    fs::remove_all(root_);
    fs::create_directories(root_ / "in");
    fs::create_directories(root_ / "staging");
  }
  ~watched_directory() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  watched_directory(const watched_directory&) = delete;
  watched_directory& operator=(const watched_directory&) = delete;

  std::string path() const { return (root_ / "in").string(); }

  /// Writes `content` outside the directory, then moves it in atomically.
  void move_in(const std::string& name, const std::string& content,
               std::optional<fs::file_time_type> mtime = std::nullopt,
               std::optional<fs::perms> perms = std::nullopt) const {
    const fs::path staged = root_ / "staging" / name;
    write(staged, content);
    if (mtime) fs::last_write_time(staged, *mtime);
    if (perms) fs::permissions(staged, *perms);
    fs::rename(staged, root_ / "in" / name);
  }
  /// Writes `content` straight into the directory.
  void write_in(const std::string& name, const std::string& content) const {
    write(root_ / "in" / name, content);
  }

 private:
  static void write(const fs::path& p, const std::string& content) {
    std::ofstream out{p, std::ios::binary};
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    ASSERT_TRUE(out.good()) << p;
  }
  fs::path root_;
};

directory_receiver_options options_for(const watched_directory& dir) {
  directory_receiver_options o;
  o.directory = dir.path();
  o.poll_interval = 10ms;
  return o;
}

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
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  events ev;
  directory_receiver r{options_for(dir)};
  EXPECT_EQ(r.name(), "directory " + dir.path());
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
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
    ASSERT_TRUE(c.wait_for_bytes(expected.size())) << "file " << i << " did not arrive";
  }
  std::this_thread::sleep_for(100ms);  // ten more polls: nothing is read twice
  c.finish();
  const std::string got = c.text();
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  c.expect_whole_lines();
  EXPECT_TRUE(ev.error_list().empty());
}

TEST_F(directory_receiver_test, file_ends_are_line_ends) {
  watched_directory dir;
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  events ev;
  directory_receiver r{options_for(dir)};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  dir.move_in("a", "abc\ndef");
  ASSERT_TRUE(c.wait_for_bytes(8));
  dir.move_in("b", "ghi");
  ASSERT_TRUE(c.wait_for_bytes(12));
  dir.move_in("c", std::string("\0\r\n\xff", 4));
  ASSERT_TRUE(c.wait_for_bytes(17));
  c.finish();
  EXPECT_EQ(c.text(), std::string("abc\ndef\nghi\n\0\r\n\xff\n", 17));
  c.expect_whole_lines();
}

TEST_F(directory_receiver_test, files_found_together_are_read_by_time_then_name) {
  SCOPED_TRACE(seed_trace());
  std::mt19937_64 rng{seed};
  watched_directory dir;
  // Two blocks: the first file, 1 MiB, holds the receiver until the test
  // drains, while the next files are moved in; it then finds them together.
  pinned_block_pool pool{64 * 1024, 2, backend::cpu};
  block_queue queue;
  events ev;
  directory_receiver r{options_for(dir)};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  text_options o;
  o.bytes = 1 << 20;
  const std::string big = make_text(rng, o);
  dir.move_in("big", big);
  const auto deadline = clock_type::now() + 5s;
  while (pool.available() > 0 && clock_type::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(pool.available(), 0u) << "the receiver did not start reading";
  const auto now = fs::file_time_type::clock::now();
  dir.move_in("b", "b1\nb2\n", now - 5s);
  dir.move_in("a", "a1\n", now - 5s);
  dir.move_in("c", "c1\n", now - 10s);
  std::this_thread::sleep_for(50ms);  // not skipped while the pool is exhausted
  c.start();
  const std::string expected = big + "c1\na1\nb1\nb2\n";
  EXPECT_TRUE(c.wait_for_bytes(expected.size()));
  c.finish();
  EXPECT_TRUE(c.text() == expected);
  c.expect_whole_lines();
}

TEST_F(directory_receiver_test, hidden_temporary_and_empty_files_are_ignored) {
  watched_directory dir;
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  events ev;
  directory_receiver r{options_for(dir)};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  dir.move_in(".hidden", "hidden\n");
  dir.move_in("partial.tmp", "temporary\n");
  dir.move_in("upload._COPYING_", "copying\n");
  dir.move_in("empty.txt", "");
  fs::create_directory(dir.path() + "/subdir");
  std::this_thread::sleep_for(50ms);
  dir.move_in("real.txt", "real\n");
  EXPECT_TRUE(c.wait_for_bytes(5));
  std::this_thread::sleep_for(50ms);
  c.finish();
  EXPECT_EQ(c.text(), "real\n");
  EXPECT_TRUE(ev.error_list().empty());
}

TEST_F(directory_receiver_test, unreadable_file_is_reported_once_and_skipped) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  watched_directory dir;
  pinned_block_pool pool{64 * 1024, 4, backend::cpu};
  block_queue queue;
  events ev;
  directory_receiver r{options_for(dir)};
  collector c{r, queue};
  r.start(ev.env(pool, queue, 16 * 1024));
  c.start();
  dir.move_in("locked", "secret\n", std::nullopt, fs::perms::none);
  dir.move_in("open", "public\n");
  EXPECT_TRUE(c.wait_for_bytes(7));
  std::this_thread::sleep_for(50ms);
  c.finish();
  EXPECT_EQ(c.text(), "public\n");
  const auto errors = ev.error_list();
  ASSERT_EQ(errors.size(), 1u) << "reported once, not at every poll";
  EXPECT_NE(errors[0].find("locked"), std::string::npos) << errors[0];
}

TEST(directory_receiver, missing_directory_is_rejected) {
  const fs::path missing = fs::temp_directory_path() / "gpustream_no_such_directory_for_tests";
  try {
    directory_receiver r{directory_receiver_options{missing.string()}};
    ADD_FAILURE() << "no exception";
  } catch (const gpustream::logic_error& e) {
    EXPECT_NE(std::string{e.what()}.find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(directory_receiver(directory_receiver_options{""}), gpustream::logic_error);
  watched_directory dir;
  dir.write_in("plain", "x\n");
  EXPECT_THROW(directory_receiver(directory_receiver_options{dir.path() + "/plain"}),
               gpustream::logic_error);
  EXPECT_THROW(directory_receiver(directory_receiver_options{dir.path(), 0ms}), gpustream::logic_error);
}

TEST(directory_receiver, lifecycle_without_start_and_twice) {
  watched_directory dir;
  directory_receiver idle{directory_receiver_options{dir.path()}};
  idle.seal();
  idle.stop();
  idle.stop();

  pinned_block_pool pool{64 * 1024, 2, backend::cpu};
  block_queue queue;
  events ev;
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
