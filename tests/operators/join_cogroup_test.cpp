// The joins, group_by_key and cogroup of pair streams against a host model of
// Spark's semantics, batch by batch: fresh random input every run (seed
// printed on failure), 24 batches through queue streams, with batches empty on
// one side or both, keys on one side only, keys repeated on both sides
// (cartesian products), and keys that appear, vanish and return. Then a word
// count joined with another stream and with a static table, the text forms
// of print and save_as_text_files, the checkpoint encoding of each record
// type, and the errors of graph building.

#include "../common/streaming_utils.hpp"
#include "../common/threads.hpp"
#include "../common/watched_directory.hpp"

#include "streaming/graph.hpp"

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using lines_batches = std::vector<std::vector<std::string>>;
class join_cogroup_test : public streaming_test {
 public:
  std::mt19937_64 test_rng() const { return rng(); }
  streaming_options test_options() { return options(); }
};

/// "key value" -> (key, value).
word_pair parse_pair(const std::string& line) {
  const auto space = line.rfind(' ');
  return word_pair{line.substr(0, space), std::stoll(line.substr(space + 1))};
}

/// Both sides' batches of "key value" lines. Keys drift every 6 batches and
/// come back after 18, the right side's keys are shifted from the left's (so
/// that some keys are on one side only), and keys repeat within a batch.
/// Batch 2 is empty on the left, 3 on the right, 4 on both; others now and then.
/// Batch 1 always holds key k3 (on both sides' ranges) twice on each side, so
/// that every run joins some key's several values with several others.
std::pair<lines_batches, lines_batches> keyed_batches(std::mt19937_64& gen, int n) {
  lines_batches left(static_cast<std::size_t>(n));
  lines_batches right(static_cast<std::size_t>(n));
  for (int b = 0; b < n; ++b) {
    const int phase = (b / 6) % 3;
    for (int side = 0; side < 2; ++side) {
      if ((side == 0 && (b == 2 || b == 4)) || (side == 1 && (b == 3 || b == 4)) || gen() % 8 == 0) continue;
      const int records = 1 + static_cast<int>(gen() % 15);
      for (int r = 0; r < records; ++r) {
        const int key = phase * 4 + side * 3 + static_cast<int>(gen() % 6);
        const auto value = static_cast<std::int64_t>(gen() % 101) - 50;
        (side == 0 ? left : right)[static_cast<std::size_t>(b)].push_back("k" + std::to_string(key) + " " +
                                                                            std::to_string(value));
      }
    }
  }
  if (n > 1) {
    for (auto* side : {&left, &right}) {
      for (int r = 0; r < 2; ++r) {
        (*side)[1].push_back("k3 " + std::to_string(static_cast<std::int64_t>(gen() % 101) - 50));
      }
    }
  }
  return {left, right};
}

/// "kN value" as a record of pair type P: (string, int64), (string, double:
/// the value in quarters) or (int64 key, int64): N spread over the signed
/// range, so that keys are negative and positive.
template <class P>
P parse_as(const std::string& line) {
  const word_pair w = parse_pair(line);
  if constexpr (std::is_same_v<P, keyed_double>) {
    return keyed_double{w.first, static_cast<double>(w.second) / 4};
  } else if constexpr (std::is_same_v<P, int_pair>) {
    const auto n = static_cast<std::uint64_t>(std::stoll(w.first.substr(1)));
    return int_pair{static_cast<std::int64_t>((n + 1) * 0x9E3779B97F4A7C15ull), w.second};
  } else {
    return w;
  }
}

template <class P>
std::vector<P> parse_all_as(const std::vector<std::string>& lines) {
  std::vector<P> out;
  for (const auto& l : lines) out.push_back(parse_as<P>(l));
  return out;
}

/// The model: each key's values on both sides, in batch order.
template <class K, class V>
using model_groups_of = std::map<K, std::pair<std::vector<V>, std::vector<V>>>;
using model_groups = model_groups_of<std::string, std::int64_t>;

template <class K, class V>
model_groups_of<K, V> model_cogroup(const std::vector<std::pair<K, V>>& l, const std::vector<std::pair<K, V>>& r) {
  model_groups_of<K, V> g;
  for (const auto& [k, v] : l) g[k].first.push_back(v);
  for (const auto& [k, v] : r) g[k].second.push_back(v);
  return g;
}

/// Both sides' values of each key when their value types differ.
template <class K, class V, class W>
std::map<K, std::pair<std::vector<V>, std::vector<W>>> model_cogroup(const std::vector<std::pair<K, V>>& l,
                                                                     const std::vector<std::pair<K, W>>& r) {
  std::map<K, std::pair<std::vector<V>, std::vector<W>>> g;
  for (const auto& [k, v] : l) g[k].first.push_back(v);
  for (const auto& [k, v] : r) g[k].second.push_back(v);
  return g;
}

/// Spark's joins: every pair of values of a key, and the unmatched values of
/// the kept sides with the other side missing.
template <class K, class V, class W>
std::vector<outer_joined_t<std::pair<K, V>, std::pair<K, W>>> model_join(const std::vector<std::pair<K, V>>& l,
                                                                         const std::vector<std::pair<K, W>>& r,
                                                                         bool keep_left, bool keep_right) {
  std::vector<outer_joined_t<std::pair<K, V>, std::pair<K, W>>> out;
  for (const auto& [k, sides] : model_cogroup(l, r)) {
    const auto& [lv, rv] = sides;
    for (auto a : lv) {
      for (auto b : rv) out.push_back({k, {a, b}});
    }
    if (rv.empty() && keep_left) {
      for (auto a : lv) out.push_back({k, {a, std::nullopt}});
    }
    if (lv.empty() && keep_right) {
      for (auto b : rv) out.push_back({k, {std::nullopt, b}});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A join's records with both sides optional, sorted: the order within a
/// batch is the engine's (keys by hash), not Spark's, so batches are compared
/// as multisets.
template <class T>
struct without_optional {
  using type = T;
};
template <class T>
struct without_optional<std::optional<T>> {
  using type = T;
};

template <class K, class L, class R>
auto as_outer(const std::vector<std::pair<K, std::pair<L, R>>>& records) {
  using V = typename without_optional<L>::type;
  using W = typename without_optional<R>::type;
  std::vector<outer_joined_t<std::pair<K, V>, std::pair<K, W>>> out;
  for (const auto& [k, v] : records) out.push_back({k, {v.first, v.second}});
  std::sort(out.begin(), out.end());
  return out;
}

/// Records of group_by_key or cogroup by key; each key must come once.
template <class K, class V>
std::map<K, V> by_key(const std::vector<std::pair<K, V>>& records) {
  std::map<K, V> out;
  for (const auto& [k, v] : records) EXPECT_TRUE(out.emplace(k, v).second) << "key " << k << " twice in a batch";
  return out;
}

template <class T>
const std::vector<T>& records_at(const std::vector<typename batch_log<T>::batch>& log, std::size_t i) {
  static const std::vector<T> none;
  return i < log.size() ? log[i].records : none;
}

/// Every join and group of a stream of pair type P with one of pair type Q,
/// batch by batch against the model.
template <class P, class Q = P>
void joins_and_groups_match_the_model(join_cogroup_test& t) {
  using K = typename P::first_type;
  using V = typename P::second_type;
  auto gen = t.test_rng();
  const int n = 24;
  const auto [left_lines, right_lines] = keyed_batches(gen, n);

  streaming_context ctx{t.test_options()};
  auto left = ctx.queue_stream(left_lines).map(parse_as<P>);
  auto right = ctx.queue_stream(right_lines).map(parse_as<Q>);
  static_assert(std::is_same_v<typename decltype(left)::value_type, P>);
  static_assert(std::is_same_v<typename decltype(right)::value_type, Q>);
  auto times = log_batches(left.count());
  auto inner = log_batches(left.join(right));
  auto left_outer = log_batches(left.left_outer_join(right));
  auto right_outer = log_batches(left.right_outer_join(right));
  auto full_outer = log_batches(left.full_outer_join(right));
  auto grouped = log_batches(left.group_by_key());
  auto cogrouped = log_batches(left.cogroup(right));
  auto self = log_batches(right.join(right));
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return self->size() >= static_cast<std::size_t>(n + 2); }, 60s))
      << "only " << self->size() << " batches ran";
  ctx.stop(true);

  const auto got_times = times->batches();
  const auto got_inner = inner->batches();
  const auto got_left = left_outer->batches();
  const auto got_right = right_outer->batches();
  const auto got_full = full_outer->batches();
  const auto got_grouped = grouped->batches();
  const auto got_cogrouped = cogrouped->batches();
  const auto got_self = self->batches();
  const std::size_t total = got_times.size();
  for (const std::size_t size : {got_inner.size(), got_left.size(), got_right.size(), got_full.size(),
                                 got_grouped.size(), got_cogrouped.size(), got_self.size()}) {
    EXPECT_EQ(size, total) << "an output missed a batch";
  }
  auto expect_same_times = [&](const auto& log) {
    for (std::size_t i = 0; i < std::min(total, log.size()); ++i) {
      EXPECT_EQ(log[i].time, got_times[i].time) << "batch " << i;
    }
  };
  expect_same_times(got_inner);
  expect_same_times(got_left);
  expect_same_times(got_right);
  expect_same_times(got_full);
  expect_same_times(got_grouped);
  expect_same_times(got_cogrouped);
  expect_same_times(got_self);
  std::size_t products = 0;
  for (std::size_t i = 0; i < total; ++i) {
    SCOPED_TRACE("batch " + std::to_string(i) + " of " + std::to_string(total));
    const auto l = parse_all_as<P>(i < left_lines.size() ? left_lines[i] : std::vector<std::string>{});
    const auto r = parse_all_as<Q>(i < right_lines.size() ? right_lines[i] : std::vector<std::string>{});
    EXPECT_EQ(as_outer(records_at<joined_t<P, Q>>(got_inner, i)), model_join(l, r, false, false));
    EXPECT_EQ(as_outer(records_at<left_joined_t<P, Q>>(got_left, i)), model_join(l, r, true, false));
    EXPECT_EQ(as_outer(records_at<right_joined_t<P, Q>>(got_right, i)), model_join(l, r, false, true));
    EXPECT_EQ(as_outer(records_at<outer_joined_t<P, Q>>(got_full, i)), model_join(l, r, true, true));
    EXPECT_EQ(as_outer(records_at<joined_t<Q>>(got_self, i)), model_join(r, r, false, false));

    // Values in batch order within each key.
    std::map<K, std::vector<V>> groups;
    for (const auto& [k, sides] : model_cogroup(l, std::vector<P>{})) groups[k] = sides.first;
    EXPECT_EQ(by_key(records_at<grouped_t<P>>(got_grouped, i)), groups);
    const auto both = model_cogroup(l, r);
    EXPECT_EQ(by_key(records_at<cogrouped_t<P, Q>>(got_cogrouped, i)), both);
    for (const auto& [k, sides] : both) {
      if (sides.first.size() > 1 && sides.second.size() > 1) ++products;
    }
  }
  EXPECT_GT(products, 0u) << "no key repeated on both sides: the input does not test cartesian products";
}

TEST_P(join_cogroup_test, joins_and_groups_match_the_model_batch_by_batch) {
  SCOPED_TRACE(seed_trace());
  joins_and_groups_match_the_model<word_pair>(*this);
}

TEST_P(join_cogroup_test, joins_and_groups_of_keyed_doubles_match_the_model) {
  SCOPED_TRACE(seed_trace());
  joins_and_groups_match_the_model<keyed_double>(*this);
}

TEST_P(join_cogroup_test, joins_and_groups_of_integer_keys_match_the_model) {
  SCOPED_TRACE(seed_trace());
  joins_and_groups_match_the_model<int_pair>(*this);
}

// Spark joins (K, V) with (K, W) for any V and W: here integer counts with
// doubles, both ways round.
TEST_P(join_cogroup_test, joins_of_integer_values_with_doubles_match_the_model) {
  SCOPED_TRACE(seed_trace());
  joins_and_groups_match_the_model<word_pair, keyed_double>(*this);
  joins_and_groups_match_the_model<keyed_double, word_pair>(*this);
}

// The word count of two streams joined on the backend, and the same counts
// joined with a static table through transform (on the host) and through a
// stream that repeats the table every batch (on the backend).
TEST_P(join_cogroup_test, word_counts_joined_with_a_stream_and_with_a_static_table) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 20;
  const auto a_lines = random_batches(gen, n, 4000);
  const auto b_lines = random_batches(gen, n, 4000);
  std::map<std::string, std::int64_t> table;  // weights of a third of the words seen
  for (const auto& batch : a_lines) {
    for (const auto& w : ref_tokenize_all(batch)) {
      if (std::hash<std::string>{}(w) % 3 == 0) table[w] = static_cast<std::int64_t>(w.size());
    }
  }
  lines_batches table_lines(static_cast<std::size_t>(n + 10));
  for (auto& batch : table_lines) {
    for (const auto& [w, weight] : table) batch.push_back(w + " " + std::to_string(weight));
  }

  streaming_context ctx{options()};
  auto a = ctx.queue_stream(a_lines).flat_map(split_words).map(pair_with_one).reduce_by_key();
  auto b = ctx.queue_stream(b_lines).flat_map(split_words).map(pair_with_one).reduce_by_key();
  auto weights = ctx.queue_stream(table_lines).map(parse_pair);
  auto joined_counts = log_batches(a.join(b));
  // Spark's transform(rdd => rdd.join(table)), on the host.
  auto through_transform = log_batches(a.transform([table](const std::vector<word_pair>& counts) {
    std::vector<joined_pair> out;
    for (const auto& [w, c] : counts) {
      const auto it = table.find(w);
      if (it != table.end()) out.push_back({w, {c, it->second}});
    }
    return out;
  }));
  auto through_stream = log_batches(a.join(weights));
  // A join's records mapped back to pairs: the weighted counts.
  auto weighted = log_batches(
      a.join(weights).map([](const joined_pair& j) { return word_pair{j.first, j.second.first * j.second.second}; }));
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return weighted->size() >= static_cast<std::size_t>(n + 1); }, 60s));
  ctx.stop(true);

  const auto got_joined = joined_counts->batches();
  const auto got_transform = through_transform->batches();
  const auto got_stream = through_stream->batches();
  const auto got_weighted = weighted->batches();
  ASSERT_GE(got_weighted.size(), static_cast<std::size_t>(n));
  std::size_t matched = 0;
  std::size_t weighted_records = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    SCOPED_TRACE("batch " + std::to_string(i));
    const auto ca = ref_word_count(joined(a_lines[i]));
    const auto cb = ref_word_count(joined(b_lines[i]));
    std::vector<outer_joined_pair> both;
    std::vector<outer_joined_pair> with_table;
    std::map<std::string, std::int64_t> weighted_counts;
    for (const auto& [w, c] : ca) {
      if (cb.count(w)) both.push_back({w, {c, cb.at(w)}});
      if (table.count(w)) {
        with_table.push_back({w, {c, table.at(w)}});
        weighted_counts[w] = c * table.at(w);
      }
    }
    EXPECT_EQ(as_outer(got_joined[i].records), both);
    EXPECT_EQ(as_outer(got_transform[i].records), with_table);
    EXPECT_EQ(as_outer(got_stream[i].records), with_table);
    EXPECT_EQ(by_key(got_weighted[i].records), weighted_counts);
    matched += both.size();
    weighted_records += weighted_counts.size();
  }
  EXPECT_GT(matched, 0u) << "no word in both streams: the joins were not tested";
  EXPECT_GT(weighted_records, 0u) << "no word in the table: the joins were not tested";
}

TEST_P(join_cogroup_test, print_and_saved_text_follow_sparks_to_string) {
  watched_directory dir;  // a scratch directory
  const std::filesystem::path root = dir.root() / "saved";
  streaming_context ctx{options()};
  auto left = ctx.queue_stream({{"a 1", "b 3", "a 2"}}).map(parse_pair);
  auto right = ctx.queue_stream({{"a 10", "c 5"}}).map(parse_pair);
  auto done = log_batches(left.count());
  // Keys come in hash order: each output's lines are compared sorted.
  const std::map<std::string, std::vector<std::string>> expected{
      {"join", {"(a,(1,10))", "(a,(2,10))"}},
      {"left", {"(a,(1,Some(10)))", "(a,(2,Some(10)))", "(b,(3,None))"}},
      {"right", {"(a,(Some(1),10))", "(a,(Some(2),10))", "(c,(None,5))"}},
      {"full", {"(a,(Some(1),Some(10)))", "(a,(Some(2),Some(10)))", "(b,(Some(3),None))", "(c,(None,Some(5)))"}},
      {"group", {"(a,CompactBuffer(1, 2))", "(b,CompactBuffer(3))"}},
      {"cogroup",
       {"(a,(CompactBuffer(1, 2),CompactBuffer(10)))", "(b,(CompactBuffer(3),CompactBuffer()))",
        "(c,(CompactBuffer(),CompactBuffer(5)))"}},
      {"double-join", {"(a,(1.5,1.0E7))", "(a,(2.0,1.0E7))"}},
      {"double-left", {"(a,(1.5,Some(1.0E7)))", "(a,(2.0,Some(1.0E7)))", "(b,(3.0,None))"}},
      {"double-right", {"(a,(Some(1.5),1.0E7))", "(a,(Some(2.0),1.0E7))", "(c,(None,1.0E-4))"}},
      {"double-full",
       {"(a,(Some(1.5),Some(1.0E7)))", "(a,(Some(2.0),Some(1.0E7)))", "(b,(Some(3.0),None))",
        "(c,(None,Some(1.0E-4)))"}},
      {"double-group", {"(a,CompactBuffer(1.5, 2.0))", "(b,CompactBuffer(3.0))"}},
      {"double-cogroup",
       {"(a,(CompactBuffer(1.5, 2.0),CompactBuffer(1.0E7)))", "(b,(CompactBuffer(3.0),CompactBuffer()))",
        "(c,(CompactBuffer(),CompactBuffer(1.0E-4)))"}},
      {"mixed-join", {"(a,(1,1.0E7))", "(a,(2,1.0E7))"}},
      {"mixed-full",
       {"(a,(Some(1.5),Some(10)))", "(a,(Some(2.0),Some(10)))", "(b,(Some(3.0),None))", "(c,(None,Some(5)))"}},
      {"mixed-cogroup",
       {"(a,(CompactBuffer(1, 2),CompactBuffer(1.0E7)))", "(b,(CompactBuffer(3),CompactBuffer()))",
        "(c,(CompactBuffer(),CompactBuffer(1.0E-4)))"}},
      {"int-join", {"(7,(1,10))", "(7,(2,10))"}},
      {"int-full", {"(-3,(Some(3),None))", "(5,(None,Some(5)))", "(7,(Some(1),Some(10)))", "(7,(Some(2),Some(10)))"}},
      {"int-group", {"(-3,CompactBuffer(3))", "(7,CompactBuffer(1, 2))"}},
      {"int-cogroup",
       {"(-3,(CompactBuffer(3),CompactBuffer()))", "(5,(CompactBuffer(),CompactBuffer(5)))",
        "(7,(CompactBuffer(1, 2),CompactBuffer(10)))"}},
  };
  auto save = [&](const auto& stream, const std::string& name) {
    stream.print(100);
    stream.save_as_text_files((root / name).string(), "txt");
  };
  save(left.join(right), "join");
  save(left.left_outer_join(right), "left");
  save(left.right_outer_join(right), "right");
  save(left.full_outer_join(right), "full");
  save(left.group_by_key(), "group");
  save(left.cogroup(right), "cogroup");
  // Doubles as Java's Double.toString, integer keys in decimal.
  auto to_double = [](const std::string& line) {
    const auto space = line.rfind(' ');
    return keyed_double{line.substr(0, space), std::stod(line.substr(space + 1))};
  };
  auto to_ints = [](const std::string& line) {
    const auto space = line.rfind(' ');
    return int_pair{std::stoll(line.substr(0, space)), std::stoll(line.substr(space + 1))};
  };
  auto dleft = ctx.queue_stream({{"a 1.5", "b 3", "a 2"}}).map(to_double);
  auto dright = ctx.queue_stream({{"a 1e7", "c 0.0001"}}).map(to_double);
  save(dleft.join(dright), "double-join");
  save(dleft.left_outer_join(dright), "double-left");
  save(dleft.right_outer_join(dright), "double-right");
  save(dleft.full_outer_join(dright), "double-full");
  save(dleft.group_by_key(), "double-group");
  save(dleft.cogroup(dright), "double-cogroup");
  save(left.join(dright), "mixed-join");
  save(dleft.full_outer_join(right), "mixed-full");
  save(left.cogroup(dright), "mixed-cogroup");
  auto ileft = ctx.queue_stream({{"7 1", "-3 3", "7 2"}}).map(to_ints);
  auto iright = ctx.queue_stream({{"7 10", "5 5"}}).map(to_ints);
  save(ileft.join(iright), "int-join");
  save(ileft.full_outer_join(iright), "int-full");
  save(ileft.group_by_key(), "int-group");
  save(ileft.cogroup(iright), "int-cogroup");
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return done->size() >= 1; }, 60s));
  ctx.stop(true);
  const std::string t = std::to_string(done->batches().front().time);

  const std::string printed = out_.str();
  for (const auto& [name, lines] : expected) {
    SCOPED_TRACE(name);
    std::ifstream in{root / (name + "-" + t + ".txt") / "part-00000", std::ios::binary};
    ASSERT_TRUE(in) << "no saved output";
    std::vector<std::string> saved;
    for (std::string line; std::getline(in, line);) saved.push_back(line);
    std::sort(saved.begin(), saved.end());
    EXPECT_EQ(saved, lines);
    for (const auto& line : lines) EXPECT_NE(printed.find("\n" + line + "\n"), std::string::npos) << line;
  }
}

// write_batch and read_batch (checkpoints) keep every record of every type;
// download with a limit (print) takes the first records whole.
TEST_P(join_cogroup_test, checkpoint_encoding_round_trips_each_record_type) {
  const std::vector<detail::host_records> batches{
      std::vector<joined_pair>{{"a", {1, -2}}, {"", {0, 0}}, {"b", {INT64_MIN, INT64_MAX}}},
      std::vector<left_joined_pair>{{"a", {1, 2}}, {"b", {3, std::nullopt}}},
      std::vector<right_joined_pair>{{"a", {std::nullopt, 2}}, {"b", {3, 4}}},
      std::vector<outer_joined_pair>{{"a", {std::nullopt, 2}}, {"b", {3, std::nullopt}}, {"c", {5, 6}}},
      std::vector<grouped_pair>{{"a", {1, 2, 3}}, {"b", {}}, {"c", {4}}},
      std::vector<cogrouped_pair>{{"a", {{1, 2}, {}}}, {"b", {{}, {3}}}, {"c", {{4}, {5, 6, 7}}}},
      std::vector<grouped_pair>{},
      std::vector<cogrouped_pair>{},
      std::vector<joined_t<keyed_double>>{{"a", {1.5, -0.0}}, {"", {1e300, -1e-300}}},
      std::vector<left_joined_t<keyed_double>>{{"a", {1.5, 2.5}}, {"b", {3.25, std::nullopt}}},
      std::vector<right_joined_t<keyed_double>>{{"a", {std::nullopt, 2.5}}, {"b", {3.25, 4.5}}},
      std::vector<outer_joined_t<keyed_double>>{{"a", {std::nullopt, 2.5}}, {"b", {3.25, std::nullopt}}},
      std::vector<grouped_t<keyed_double>>{{"a", {1.5, 2.5}}, {"b", {}}},
      std::vector<cogrouped_t<keyed_double>>{{"a", {{1.5}, {}}}, {"b", {{}, {2.5, 3.5}}}},
      std::vector<joined_t<int_pair>>{{-1, {1, -2}}, {INT64_MIN, {INT64_MAX, 0}}},
      std::vector<left_joined_t<int_pair>>{{1, {1, 2}}, {2, {3, std::nullopt}}},
      std::vector<right_joined_t<int_pair>>{{1, {std::nullopt, 2}}, {2, {3, 4}}},
      std::vector<outer_joined_t<int_pair>>{{1, {std::nullopt, 2}}, {2, {3, std::nullopt}}, {3, {5, 6}}},
      std::vector<grouped_t<int_pair>>{{1, {1, 2, 3}}, {2, {}}, {3, {4}}},
      std::vector<cogrouped_t<int_pair>>{{1, {{1, 2}, {}}}, {2, {{}, {3}}}, {3, {{4}, {5, 6, 7}}}},
      std::vector<cogrouped_t<int_pair>>{},
      std::vector<joined_t<word_pair, keyed_double>>{{"a", {1, -0.5}}, {"b", {INT64_MIN, 1e300}}},
      std::vector<left_joined_t<word_pair, keyed_double>>{{"a", {1, 2.5}}, {"b", {3, std::nullopt}}},
      std::vector<right_joined_t<keyed_double, word_pair>>{{"a", {std::nullopt, 2}}, {"b", {3.25, 4}}},
      std::vector<outer_joined_t<keyed_double, word_pair>>{{"a", {std::nullopt, 2}}, {"b", {3.25, std::nullopt}}},
      std::vector<cogrouped_t<word_pair, keyed_double>>{{"a", {{1, 2}, {}}}, {"b", {{}, {2.5, 3.5}}}},
      std::vector<cogrouped_t<keyed_double, word_pair>>{{"a", {{1.5}, {}}}, {"b", {{}, {2, 3}}}},
  };
  for (const auto& records : batches) {
    SCOPED_TRACE("record kind " + std::to_string(records.index()));
    const detail::batch_ptr data = detail::upload(detail::host_records{records}, s());
    EXPECT_EQ(static_cast<std::size_t>(data->kind), records.index());
    EXPECT_EQ(data->size(), static_cast<size_type>(detail::record_count(records)));
    detail::byte_writer w;
    detail::write_batch(w, data, s());
    detail::byte_reader r{w.str(), "test"};
    const detail::batch_ptr back = detail::read_batch(r, s());
    EXPECT_TRUE(r.done());
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(detail::download(*back, s()), records);

    // The first two records, whole.
    const detail::host_records head = detail::download(*back, s(), 2);
    ASSERT_EQ(head.index(), records.index());
    std::visit(
        [&](const auto& got) {
          using V = std::decay_t<decltype(got)>;
          const auto& all = std::get<V>(records);
          const auto two = static_cast<std::ptrdiff_t>(std::min<std::size_t>(2, all.size()));
          EXPECT_EQ(got, V(all.begin(), all.begin() + two));
        },
        head);
  }
  // A truncated encoding is refused.
  detail::byte_writer w;
  detail::write_batch(w, detail::upload(detail::host_records{batches[5]}, s()), s());
  const std::string cut = w.str().substr(0, w.str().size() - 3);
  detail::byte_reader r{cut, "test"};
  EXPECT_THROW(detail::read_batch(r, s()), checkpoint_error);
}

TEST_P(join_cogroup_test, bad_joins_are_errors_at_graph_building) {
  streaming_context ctx{options()};
  streaming_context other{options()};
  auto pairs = ctx.queue_stream({}).flat_map(split_words).map(pair_with_one);
  auto elsewhere = other.queue_stream({}).flat_map(split_words).map(pair_with_one);
  expect_logic_error([&] { pairs.join(elsewhere); }, "same streaming_context");
  expect_logic_error([&] { pairs.cogroup(elsewhere); }, "same streaming_context");
  expect_logic_error([&] { pairs.full_outer_join(dstream<word_pair>{pairs}.window(100ms, 100ms)); }, "slide");
  expect_logic_error([&] { pairs.join(pairs).window(100ms); }, "join or a group");
  expect_logic_error([&] { pairs.group_by_key().union_with(pairs.group_by_key()); }, "join or a group");
  auto doubles = ctx.queue_stream({}).map([](const std::string& l) { return keyed_double{l, 0.5}; });
  auto ints = ctx.queue_stream({}).map([](const std::string& l) { return int_pair{static_cast<std::int64_t>(l.size()), 1}; });
  expect_logic_error([&] { doubles.join(doubles).window(100ms); }, "join or a group");
  expect_logic_error([&] { ints.cogroup(ints).union_with(ints.cogroup(ints)); }, "join or a group");
  expect_logic_error([&] { ints.left_outer_join(ints.window(200ms, 200ms)); }, "slide");
  // Windows of pairs slide alike: their join is fine.
  auto windowed = pairs.window(100ms, 100ms);
  windowed.join(pairs.reduce_by_key_and_window(aggregation::sum, 200ms, 100ms)).print();
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(join_cogroup_test);

}  // namespace
}  // namespace gpustream::test
