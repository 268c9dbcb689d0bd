// Typed records to tables and back: a record struct declared here alone,
// with every field type (nullable, lists, nested records, pairs), on random
// batches; tuples; and the refusals of to_records.

#include "../common/test_utils.hpp"

#include <gpustream/table/records.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace gpustream::test {

struct span_info {
  std::int64_t id;
  std::optional<std::string> name;
  friend bool operator==(const span_info& a, const span_info& b) { return a.id == b.id && a.name == b.name; }
};

struct access_record {
  std::string client;
  std::int32_t status = 0;
  std::int64_t bytes = 0;
  std::optional<double> latency;
  timestamp_ms time{0};
  bool cached = false;
  std::vector<std::string> tags;
  std::optional<span_info> span;
  std::vector<std::optional<std::int32_t>> retries;
  std::pair<std::int64_t, std::string> upstream;
  timestamp_ns received{0};

  friend bool operator==(const access_record& a, const access_record& b) {
    return a.client == b.client && a.status == b.status && a.bytes == b.bytes && a.latency == b.latency &&
           a.time.ms == b.time.ms && a.cached == b.cached && a.tags == b.tags && a.span == b.span &&
           a.retries == b.retries && a.upstream == b.upstream && a.received.ns == b.received.ns;
  }
};

}  // namespace gpustream::test

GPUSTREAM_RECORD(gpustream::test::span_info, id, name)
GPUSTREAM_RECORD(gpustream::test::access_record, client, status, bytes, latency, time, cached, tags, span, retries,
                 upstream, received)

namespace gpustream::test {
namespace {

class records_test : public backend_test {};

std::string random_string(std::mt19937_64& rng) {
  std::string s;
  const auto n = rng() % 12;
  for (std::uint64_t i = 0; i < n; ++i) s += static_cast<char>(rng() % 5 == 0 ? rng() % 256 : 'a' + rng() % 26);
  return s;
}

access_record random_access(std::mt19937_64& rng) {
  access_record r;
  r.client = random_string(rng);
  r.status = static_cast<std::int32_t>(100 + rng() % 500);
  r.bytes = static_cast<std::int64_t>(rng());
  if (rng() % 4 != 0) r.latency = static_cast<double>(rng() % 100000) / 1000;
  r.time = timestamp_ms{static_cast<std::int64_t>(rng() % 2000000000000)};
  r.cached = rng() % 2 == 0;
  for (auto n = rng() % 4; n > 0; --n) r.tags.push_back(random_string(rng));
  if (rng() % 3 != 0) {
    r.span = span_info{static_cast<std::int64_t>(rng()), std::nullopt};
    if (rng() % 2 == 0) r.span->name = random_string(rng);
  }
  for (auto n = rng() % 3; n > 0; --n) {
    r.retries.push_back(rng() % 3 == 0 ? std::nullopt : std::optional<std::int32_t>{static_cast<std::int32_t>(rng())});
  }
  r.upstream = {static_cast<std::int64_t>(rng() % 1000), random_string(rng)};
  r.received = timestamp_ns{static_cast<std::int64_t>(rng())};
  return r;
}

TEST_P(records_test, a_users_record_struct_crosses_to_a_table_and_back) {
  auto rng = this->rng();
  for (std::size_t n : {0, 1, 31, 32, 33, 1000}) {
    std::vector<access_record> want;
    for (std::size_t i = 0; i < n; ++i) want.push_back(random_access(rng));
    const table t = to_table(want, s());
    EXPECT_EQ(t.fields(), schema_of<access_record>());
    EXPECT_EQ(t.num_rows(), static_cast<size_type>(n));
    EXPECT_EQ(t.column(0).kind(), GetParam());
    std::size_t missing_latency = 0;
    for (const auto& r : want) missing_latency += r.latency ? 0 : 1;
    EXPECT_EQ(t.view().column("latency").null_count(), static_cast<size_type>(missing_latency));
    const std::vector<access_record> got = to_records<access_record>(t.view(), s());
    ASSERT_EQ(got.size(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(got[i] == want[i]) << "record " << i << " " << seed_trace();
  }
}

TEST_P(records_test, tuples_and_pairs_are_records_of_fields_1_2) {
  auto rng = this->rng();
  using row = std::tuple<std::string, std::int32_t, std::optional<double>>;
  std::vector<row> want;
  for (int i = 0; i < 300; ++i) {
    want.emplace_back(random_string(rng), static_cast<std::int32_t>(rng()),
                      rng() % 2 ? std::optional<double>{static_cast<double>(rng() % 1000)} : std::nullopt);
  }
  const table t = to_table(want, s());
  EXPECT_EQ(to_string(t.fields()), "_1:string!,_2:int32!,_3:float64");
  EXPECT_EQ(to_records<row>(t.view(), s()), want);
  // Read positionally: a pair of another name reads a table's two fields.
  std::vector<std::pair<std::string, std::int32_t>> pairs{{"a", 1}, {"b", 2}};
  const table p = to_table(pairs, s());
  const table_view renamed{std::make_shared<const schema>(std::vector<field>{
                               field{"word", data_type{type_id::string}, true}, field{"n", data_type{type_id::int32}, false}}),
                           p.view().columns()};
  EXPECT_EQ((to_records<std::pair<std::string, std::int32_t>>(renamed, s())), pairs);
}

TEST_P(records_test, a_table_that_is_not_the_record_is_refused_by_field) {
  const table t = to_table(std::vector<std::pair<std::optional<std::int64_t>, std::string>>{{std::nullopt, "x"}}, s());
  expect_logic_error([&] { (void)to_records<std::pair<std::int64_t, std::string>>(t.view(), s()); },
                     "field '_1' holds 1 nulls, and the record's member is not a std::optional");
  expect_logic_error([&] { (void)to_records<std::pair<std::optional<std::int32_t>, std::string>>(t.view(), s()); },
                     "field '_1' is int64, the record's member is int32");
  expect_logic_error([&] { (void)to_records<std::tuple<std::optional<std::int64_t>>>(t.view(), s()); },
                     "the table's fields (_1:int64,_2:string!) are not the record's (_1:int64)");
  const table none = to_table(std::vector<std::pair<std::optional<std::int64_t>, std::string>>{{1, "x"}}, s());
  EXPECT_EQ((to_records<std::pair<std::int64_t, std::string>>(none.view(), s())),
            (std::vector<std::pair<std::int64_t, std::string>>{{1, "x"}}));
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(records_test);

}  // namespace
}  // namespace gpustream::test
