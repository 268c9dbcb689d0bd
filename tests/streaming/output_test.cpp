// Output operations byte for byte: print() in Spark's pprint form and
// save_as_text_files' directories.

#include "../common/streaming_utils.hpp"
#include "../common/threads.hpp"
#include "../common/watched_directory.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using output_test = streaming_test;

const std::string dashes = "-------------------------------------------\n";

/// pprint's header of the batch at `t`.
std::string frame(batch_time t) { return dashes + "Time: " + std::to_string(t) + " ms\n" + dashes; }

/// pprint of `records` (already formatted) showing the first `n`.
std::string pprint(batch_time t, const std::vector<std::string>& records, std::size_t n) {
  std::string out = frame(t);
  for (std::size_t i = 0; i < records.size() && i < n; ++i) out += records[i] + '\n';
  if (records.size() > n) out += "...\n";
  return out + '\n';
}

std::vector<batch_time> times_of(const std::vector<batch_log<std::int64_t>::batch>& batches) {
  std::vector<batch_time> t;
  for (const auto& b : batches) t.push_back(b.time);
  return t;
}

std::string read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

/// The lines of `text` (each ending in '\n'), sorted.
std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      lines.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  EXPECT_EQ(start, text.size()) << "the last line does not end with '\\n'";
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> formatted(const word_counts& counts) {
  std::vector<std::string> out;
  for (const auto& [w, n] : counts) out.push_back("(" + w + "," + std::to_string(n) + ")");
  return out;
}

TEST_P(output_test, print_of_lines_and_counts_is_sparks_pprint) {
  const std::vector<std::vector<std::string>> batches = {
      {"first line", "  second\tline  "},            // fewer than n
      {},                                             // empty
      {"l1", "l2", "l3", "l4"},                       // more than n: "..."
      {"exactly", "three", "lines"},                  // n exactly: no "..."
      {std::string("bytes \0 \xff kept", 14)},        // raw bytes as they are
  };
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(batches);
  lines.print(3);
  lines.count().print();
  auto log = log_batches(lines.count());  // registered last: runs after both prints
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return log->size() >= batches.size() + 1; }, 60s));
  ctx.stop(true);
  const auto times = times_of(log->batches());
  std::string expected;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const auto& b = i < batches.size() ? batches[i] : std::vector<std::string>{};
    expected += pprint(times[i], b, 3);
    expected += pprint(times[i], {std::to_string(b.size())}, 10);
  }
  const std::string out = out_.str();
  EXPECT_EQ(escaped(out, 1 << 20), escaped(expected, 1 << 20));
  // Spelled out once, for the batch with "...".
  const std::string third = dashes + "Time: " + std::to_string(times.at(2)) + " ms\n" + dashes + "l1\nl2\nl3\n...\n\n";
  EXPECT_NE(out.find(third), std::string::npos);
}

TEST_P(output_test, print_of_word_counts) {
  const std::vector<std::vector<std::string>> batches = {
      {"solo solo"},           // one record
      {"b a b", "c b a"},      // three records: two shown, then "..."
      {"x y"},                 // two records, n exactly
      {},                      // empty
      {"d e f g h i j k l m n o"},
  };
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(batches);
  auto counts = lines.flat_map(split_words).map(pair_with_one).reduce_by_key();
  counts.print(2);
  counts.print();  // 10 by default
  auto log = log_batches(lines.count());
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return log->size() >= batches.size(); }, 60s));
  ctx.stop(true);
  const auto times = times_of(log->batches());
  const std::string out = out_.str();
  ASSERT_GE(times.size(), batches.size());

  // Each batch's output lies between its frame and the next batch's.
  std::vector<std::string> chunks;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const std::size_t at = out.find(frame(times[i]));
    ASSERT_NE(at, std::string::npos) << "no output for batch " << i;
    const std::size_t end = i + 1 < times.size() ? out.find(frame(times[i + 1])) : out.size();
    ASSERT_NE(end, std::string::npos);
    chunks.push_back(out.substr(at, end - at));
  }
  // Exact bytes where the order does not matter: one record, or none.
  EXPECT_EQ(chunks[0], pprint(times[0], {"(solo,2)"}, 2) + pprint(times[0], {"(solo,2)"}, 10));
  EXPECT_EQ(chunks[3], frame(times[3]) + "\n" + frame(times[3]) + "\n");
  for (std::size_t i = batches.size(); i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i], frame(times[i]) + "\n" + frame(times[i]) + "\n") << "batch " << i << ", empty";
  }

  // Several records: the frames exactly, the records in any order.
  {
    const std::string& c = chunks[1];
    const std::size_t second = c.find(frame(times[1]), 1);
    ASSERT_NE(second, std::string::npos);
    const std::string shown = c.substr(0, second);
    const std::string all = c.substr(second);
    const auto expected = formatted({{"a", 2}, {"b", 3}, {"c", 1}});
    // print(2): a frame, two of the three records, "...", an empty line.
    ASSERT_EQ(shown.rfind(frame(times[1]), 0), 0u);
    ASSERT_GE(shown.size(), frame(times[1]).size() + 5);
    EXPECT_EQ(shown.substr(shown.size() - 5), "...\n\n");
    const auto shown_records = sorted_lines(shown.substr(frame(times[1]).size(),
                                                         shown.size() - frame(times[1]).size() - 5));
    ASSERT_EQ(shown_records.size(), 2u);
    EXPECT_NE(shown_records[0], shown_records[1]);
    for (const auto& r : shown_records) {
      EXPECT_TRUE(std::find(expected.begin(), expected.end(), r) != expected.end()) << r;
    }
    // print(): all three, no "...".
    ASSERT_EQ(all.substr(all.size() - 1), "\n");
    EXPECT_EQ(sorted_lines(all.substr(frame(times[1]).size(), all.size() - frame(times[1]).size() - 1)), expected);
    // The two prints agree on the order (deterministic), so the first is a prefix.
    EXPECT_EQ(all.rfind(shown.substr(0, shown.size() - 5), 0), 0u);
  }
  {
    const std::string& c = chunks[2];
    const std::size_t second = c.find(frame(times[2]), 1);
    ASSERT_NE(second, std::string::npos);
    const std::string shown = c.substr(0, second);
    EXPECT_EQ(shown.find("..."), std::string::npos) << "n records exactly: no \"...\"";
    EXPECT_EQ(sorted_lines(shown.substr(frame(times[2]).size(), shown.size() - frame(times[2]).size() - 1)),
              formatted({{"x", 1}, {"y", 1}}));
    EXPECT_EQ(c.substr(second), shown) << "both prints show both records";
  }
  {
    const std::string& c = chunks[4];
    const std::size_t second = c.find(frame(times[4]), 1);
    ASSERT_NE(second, std::string::npos);
    const std::string shown = c.substr(0, second);
    const std::string all = c.substr(second);
    EXPECT_EQ(std::count(shown.begin(), shown.end(), '\n'), 3 + 2 + 1 + 1);
    EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 3 + 10 + 1 + 1) << "twelve records: ten, then \"...\"";
    EXPECT_EQ(all.substr(all.size() - 5), "...\n\n");
  }
}

TEST_P(output_test, save_as_text_files_writes_a_directory_per_batch) {
  watched_directory dir;  // used as a scratch directory
  const fs::path root = dir.root() / "saved";
  const std::string odd_word("nul\0x\xff", 6);
  const std::vector<std::vector<std::string>> batches = {
      {"to be or not to be", "that is " + odd_word},
      {},
      {"one"},
  };
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(batches);
  lines.save_as_text_files((root / "lines").string());
  lines.flat_map(split_words).map(pair_with_one).reduce_by_key().save_as_text_files((root / "nested" / "words").string(),
                                                                                    "txt");
  lines.count().save_as_text_files((root / "counts").string(), "cnt");
  auto log = log_batches(lines.count());
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return log->size() >= batches.size() + 1; }, 60s));
  ctx.stop(true);
  const auto times = times_of(log->batches());

  std::set<std::string> expected_top{"nested"};
  std::set<std::string> expected_nested;
  for (const auto t : times) {
    expected_top.insert("lines-" + std::to_string(t));
    expected_top.insert("counts-" + std::to_string(t) + ".cnt");
    expected_nested.insert("words-" + std::to_string(t) + ".txt");
  }
  auto names = [](const fs::path& p) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator{p}) out.insert(e.path().filename().string());
    return out;
  };
  EXPECT_EQ(names(root), expected_top) << "one directory per batch and output, no temporary left";
  EXPECT_EQ(names(root / "nested"), expected_nested);

  for (std::size_t i = 0; i < times.size(); ++i) {
    SCOPED_TRACE("batch " + std::to_string(i));
    const auto& b = i < batches.size() ? batches[i] : std::vector<std::string>{};
    const std::string t = std::to_string(times[i]);
    for (const fs::path& d : {root / ("lines-" + t), root / ("counts-" + t + ".cnt"), root / "nested" / ("words-" + t + ".txt")}) {
      EXPECT_EQ(names(d), (std::set<std::string>{"_SUCCESS", "part-00000"})) << d;
      EXPECT_EQ(fs::file_size(d / "_SUCCESS"), 0u) << d;
    }
    EXPECT_EQ(escaped(read_file(root / ("lines-" + t) / "part-00000")), escaped(joined(b)));
    EXPECT_EQ(read_file(root / ("counts-" + t + ".cnt") / "part-00000"), std::to_string(b.size()) + "\n");
    const auto words = sorted_lines(read_file(root / "nested" / ("words-" + t + ".txt") / "part-00000"));
    auto expected_words = formatted(ref_word_count(joined(b)));
    std::sort(expected_words.begin(), expected_words.end());
    EXPECT_TRUE(words == expected_words) << words.size() << " records, expected " << expected_words.size();
  }
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(output_test);

}  // namespace
}  // namespace gpustream::test
