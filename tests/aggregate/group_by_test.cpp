// group_by against a host reference on fresh random tables: any number of
// key fields of mixed types (nulls, -0.0, NaN among them), every
// aggregation over every numeric and timestamp type at once, with the real
// hash and with one under which every key collides; no keys; a user's
// record type; and every refusal.

#include "../common/host_columns.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/aggregate/group_by.hpp>
#include <gpustream/table/records.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace gpustream::test {

struct hit {
  std::string client;
  std::int32_t status = 0;
  std::int64_t bytes = 0;
  std::optional<double> latency;
};

}  // namespace gpustream::test

GPUSTREAM_RECORD(gpustream::test::hit, client, status, bytes, latency)

namespace gpustream::test {
namespace {

class group_by_test : public backend_test {};


/// One aggregate's reference value: null, an exact integer, or a double.
struct ref_value {
  bool valid = false;
  std::int64_t i = 0;
  double d = 0;
};

/// The reference of one aggregation over the rows `rows` of `v`.
ref_value reference(const agg& a, const host_column* v, const std::vector<size_type>& rows) {
  ref_value r;
  if (a.op == agg::kind::count_rows) return {true, static_cast<std::int64_t>(rows.size()), 0};
  std::vector<size_type> valid;
  for (size_type i : rows) {
    if (v->is_valid(i)) valid.push_back(i);
  }
  if (a.op == agg::kind::count) return {true, static_cast<std::int64_t>(valid.size()), 0};
  if (valid.empty()) return r;
  r.valid = true;
  const type_id t = v->type.id();
  auto as_double = [&](size_type i) {
    return t == type_id::float64 ? v->value<double>(i)
           : t == type_id::int32 ? static_cast<double>(v->value<std::int32_t>(i))
                                 : static_cast<double>(v->value<std::int64_t>(i));
  };
  auto as_int = [&](size_type i) {
    return t == type_id::int32 ? static_cast<std::int64_t>(v->value<std::int32_t>(i)) : v->value<std::int64_t>(i);
  };
  switch (a.op) {
    case agg::kind::sum:
      if (t == type_id::float64) {
        for (size_type i : valid) r.d += as_double(i);
      } else {
        std::uint64_t s = 0;
        for (size_type i : valid) s += static_cast<std::uint64_t>(as_int(i));
        r.i = static_cast<std::int64_t>(s);
      }
      break;
    case agg::kind::mean: {
      double s = 0;
      for (size_type i : valid) s += as_double(i);
      r.d = s / static_cast<double>(valid.size());
      break;
    }
    case agg::kind::min:
    case agg::kind::max: {
      const bool is_max = a.op == agg::kind::max;
      if (t == type_id::float64) {
        // A NaN is greater than every number.
        bool nan = false;
        bool any = false;
        double best = 0;
        for (size_type i : valid) {
          const double x = as_double(i);
          if (std::isnan(x)) {
            nan = true;
            continue;
          }
          if (!any || (is_max ? x > best : x < best)) best = x;
          any = true;
        }
        r.d = (is_max && nan) || !any ? std::nan("") : best;
      } else {
        r.i = as_int(valid[0]);
        for (size_type i : valid) r.i = is_max ? std::max(r.i, as_int(i)) : std::min(r.i, as_int(i));
      }
      break;
    }
    default: break;
  }
  return r;
}

void expect_value(const host_column& out, size_type row, const ref_value& want, const std::string& what) {
  ASSERT_EQ(out.is_valid(row), want.valid) << what;
  if (!want.valid) return;
  switch (out.type.id()) {
    case type_id::float64: {
      const double got = out.value<double>(row);
      if (std::isnan(want.d)) {
        EXPECT_TRUE(std::isnan(got)) << what << ": got " << got;
      } else {
        EXPECT_NEAR(got, want.d, 1e-9 * std::max(1.0, std::abs(want.d))) << what;
      }
      break;
    }
    case type_id::int32: EXPECT_EQ(out.value<std::int32_t>(row), want.i) << what; break;
    default: EXPECT_EQ(out.value<std::int64_t>(row), want.i) << what; break;
  }
}

/// Runs group_by over `h` and checks every output row against the reference.
void check_group_by(const host_table& h, const std::vector<std::string>& keys, const std::vector<agg>& aggs,
                    hash_function hf, stream_view s, const std::string& trace) {
  const table t = to_table(h, s);
  const table out = group_by(t.view(), keys, aggs, s, nullptr, hf);
  const host_table got = to_host(out.view(), s);
  ASSERT_EQ(got.columns.size(), keys.size() + aggs.size()) << trace;
  for (std::size_t k = 0; k < keys.size(); ++k) EXPECT_EQ(got.fields[k], h.fields.at(keys[k])) << trace;
  for (std::size_t a = 0; a < aggs.size(); ++a) EXPECT_EQ(got.fields[keys.size() + a].name, aggs[a].output_name());

  std::map<std::vector<std::string>, std::vector<size_type>> groups;
  for (size_type i = 0; i < h.rows; ++i) {
    std::vector<std::string> key;
    for (const std::string& k : keys) key.push_back(key_text(h.columns[h.fields.index_of(k)], i));
    groups[key].push_back(i);
  }
  if (keys.empty()) groups[{}];  // one row, even over no rows
  ASSERT_EQ(got.rows, static_cast<size_type>(groups.size())) << trace;
  std::map<std::vector<std::string>, int> seen;
  for (size_type r = 0; r < got.rows; ++r) {
    std::vector<std::string> key;
    for (std::size_t k = 0; k < keys.size(); ++k) key.push_back(key_text(got.columns[k], r));
    ASSERT_EQ(seen[key]++, 0) << "one key in two rows " << trace;
    const auto it = groups.find(key);
    ASSERT_NE(it, groups.end()) << "a key that is not in the input " << trace;
    for (std::size_t a = 0; a < aggs.size(); ++a) {
      const host_column* v = aggs[a].field.empty() ? nullptr : &h.columns[h.fields.index_of(aggs[a].field)];
      expect_value(got.columns[keys.size() + a], r, reference(aggs[a], v, it->second),
                   aggs[a].output_name() + " " + trace);
    }
  }
}

TEST_P(group_by_test, any_keys_and_every_aggregation_match_the_reference) {
  auto rng = this->rng();
  const std::vector<type_id> value_types{type_id::int32, type_id::int64, type_id::float64, type_id::timestamp_ms};
  for (int round = 0; round < 16; ++round) {
    for (size_type rows : {size_type{0}, size_type{1}, size_type{31}, size_type{32}, size_type{33}, size_type{1000},
                           size_type{5000}}) {
      std::vector<field> fields;
      std::vector<std::string> keys;
      const int n_keys = std::uniform_int_distribution<int>{1, 3}(rng);
      for (int k = 0; k < n_keys; ++k) {
        const type_id id = flat_type_ids()[rng() % flat_type_ids().size()];
        fields.push_back(field{"k" + std::to_string(k), data_type{id}, rng() % 2 == 0});
        keys.push_back(fields.back().name);
      }
      std::vector<agg> aggs{agg::count()};
      for (type_id id : value_types) {
        const std::string name = "v_" + std::string{type_name(id)};
        fields.push_back(field{name, data_type{id}, rng() % 2 == 0});
        aggs.push_back(agg::count(name));
        aggs.push_back(agg::min(name));
        aggs.push_back(agg::max(name));
        if (id != type_id::timestamp_ms) {
          aggs.push_back(agg::sum(name));
          aggs.push_back(agg::mean(name).as("avg " + name));
        }
      }
      host_table h{schema{fields}, {}, rows};
      // Few distinct keys per field, so that groups have many rows.
      const int spread = round % 2 == 0 ? 3 : 40;
      for (const field& f : fields) {
        h.columns.push_back(random_column(f.type, rows, f.nullable, rng, f.name[0] == 'k' ? spread : 1 << 30));
      }
      const std::string trace = to_string(h.fields) + " rows=" + std::to_string(rows) + " " + seed_trace();
      ASSERT_NO_FATAL_FAILURE(check_group_by(h, keys, aggs, hash_function::mix64, s(), trace));
      ASSERT_NO_FATAL_FAILURE(check_group_by(h, keys, aggs, hash_function::length_only, s(), "colliding " + trace));
    }
  }
}

TEST_P(group_by_test, rows_enough_for_every_thread_group_alike) {
  // Past 32 K rows the CPU backend groups a chunk per thread and merges the
  // chunks' groups: keys that span chunks, and colliding ones.
  auto rng = this->rng();
  for (const int spread : {5, 3000}) {
    const size_type rows = 70001;
    const std::vector<field> fields{field{"k0", data_type{type_id::string}, true},
                                    field{"k1", data_type{type_id::int32}, false},
                                    field{"v", data_type{type_id::float64}, true},
                                    field{"w", data_type{type_id::int64}, false}};
    host_table h{schema{fields}, {}, rows};
    for (const field& f : fields) {
      h.columns.push_back(random_column(f.type, rows, f.nullable, rng, f.name[0] == 'k' ? spread : 1 << 30));
    }
    const std::vector<agg> aggs{agg::count(), agg::count("v"), agg::sum("v"), agg::min("v"), agg::max("w"),
                                agg::mean("w"), agg::sum("w")};
    const std::string trace = "spread=" + std::to_string(spread) + " " + seed_trace();
    ASSERT_NO_FATAL_FAILURE(check_group_by(h, {"k0", "k1"}, aggs, hash_function::mix64, s(), trace));
    if (spread == 5) {
      ASSERT_NO_FATAL_FAILURE(check_group_by(h, {"k0", "k1"}, aggs, hash_function::length_only, s(), "colliding " + trace));
    }
  }
}

TEST_P(group_by_test, without_keys_the_whole_input_is_one_row) {
  auto rng = this->rng();
  for (size_type rows : {size_type{0}, size_type{1}, size_type{100}, size_type{4097}}) {
    const field v{"v", data_type{type_id::int64}, false};
    host_table h{schema{{v}}, {random_column(v.type, rows, false, rng)}, rows};
    const std::vector<agg> aggs{agg::count(), agg::sum("v"), agg::min("v"), agg::max("v"), agg::mean("v")};
    ASSERT_NO_FATAL_FAILURE(check_group_by(h, {}, aggs, hash_function::mix64, s(), seed_trace()));
    const table out = group_by(to_table(h, s()).view(), {}, aggs, s());
    // The aggregates of one group of no rows are null, so they may be.
    EXPECT_TRUE(out.fields().at("sum(v)").nullable);
  }
}

TEST_P(group_by_test, integer_sums_wrap_as_a_spark_sum_does) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const std::vector<std::pair<std::string, std::int64_t>> rows{{"a", big}, {"a", 2}, {"b", -big}, {"b", -3}};
  const table out = group_by(to_table(rows, s()).view(), {"_1"}, {agg::sum("_2")}, s());
  auto got = to_records<std::pair<std::string, std::int64_t>>(out.view(), s());
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second, std::numeric_limits<std::int64_t>::min() + 1);
  EXPECT_EQ(got[1].second, std::numeric_limits<std::int64_t>::max() - 1);
}

TEST_P(group_by_test, a_users_record_grouped_by_a_composite_key) {
  auto rng = this->rng();
  std::vector<hit> hits;
  for (int i = 0; i < 3000; ++i) {
    hit h{"10.0.0." + std::to_string(rng() % 7), static_cast<std::int32_t>(rng() % 2 ? 200 : 404),
          static_cast<std::int64_t>(rng() % 10000), std::nullopt};
    if (rng() % 5) h.latency = static_cast<double>(rng() % 1000) / 10;
    hits.push_back(h);
  }
  const table out = group_by(to_table(hits, s()).view(), {"client", "status"},
                             {agg::count(), agg::sum("bytes"), agg::max("latency")}, s());
  EXPECT_EQ(to_string(out.fields()), "client:string!,status:int32!,count:int64!,`sum(bytes)`:int64!,`max(latency)`:float64");
  using row = std::tuple<std::string, std::int32_t, std::int64_t, std::int64_t, std::optional<double>>;
  std::map<std::pair<std::string, std::int32_t>, row> want;
  for (const hit& h : hits) {
    auto [it, fresh] = want.try_emplace({h.client, h.status}, row{h.client, h.status, 0, 0, std::nullopt});
    auto& [c, st, count, bytes, latency] = it->second;
    ++count;
    bytes += h.bytes;
    if (h.latency && (!latency || *h.latency > *latency)) latency = h.latency;
  }
  const auto got = to_records<row>(out.view(), s());
  ASSERT_EQ(got.size(), want.size()) << seed_trace();
  for (const row& r : got) {
    const auto it = want.find({std::get<0>(r), std::get<1>(r)});
    ASSERT_NE(it, want.end());
    EXPECT_EQ(r, it->second) << std::get<0>(r) << " " << std::get<1>(r) << " " << seed_trace();
  }
}

TEST_P(group_by_test, a_field_that_is_missing_or_of_the_wrong_type_is_named) {
  std::vector<std::tuple<std::string, std::vector<std::string>, bool, std::int64_t>> rows{{"a", {"x"}, true, 1}};
  const table t = to_table(rows, s());
  const table_view v = t.view();
  expect_logic_error([&] { (void)group_by(v, {"name"}, {agg::count()}, s()); }, "no field 'name'; the fields are");
  expect_logic_error([&] { (void)group_by(v, {"_2"}, {agg::count()}, s()); },
                     "key field '_2' is list<string!>: keys are bool");
  expect_logic_error([&] { (void)group_by(v, {"_1"}, {agg::sum("_1")}, s()); },
                     "sum(_1): field '_1' is string; sum takes int32, int64 and float64");
  expect_logic_error([&] { (void)group_by(v, {"_1"}, {agg::max("_3")}, s()); },
                     "max(_3): field '_3' is bool; max takes int32, int64, float64 and timestamps");
  expect_logic_error([&] { (void)group_by(v, {"_1"}, {agg::mean("_2")}, s()); }, "mean takes int32, int64 and float64");
  expect_logic_error([&] { (void)group_by(v, {"_1"}, {agg::sum("_4"), agg::count().as("sum(_4)")}, s()); },
                     "two outputs are named 'sum(_4)'");
  expect_logic_error([&] { (void)group_by(v, {"_1"}, {agg::count().as("_1")}, s()); }, "two outputs are named '_1'");
  expect_logic_error([&] { (void)group_by(v, {"_1"}, {agg::min("nope")}, s()); }, "no field 'nope'");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(group_by_test);

}  // namespace
}  // namespace gpustream::test
