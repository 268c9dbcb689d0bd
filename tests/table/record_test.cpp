// Typed records: the schema a GPUSTREAM_RECORD struct, a pair or a tuple
// makes, declared in this file alone, as a user's own program would.

#include "../common/test_utils.hpp"

#include <gpustream/table/record.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace user {

/// An access log line, as the issue of log analytics has it.
struct access {
  std::string client;
  std::int32_t status;
  std::int64_t bytes;
  std::optional<double> latency;
  gpustream::timestamp_ms time;
};

/// A state of a struct: count, sum, last seen.
struct visits {
  std::int64_t count;
  double sum;
  std::optional<gpustream::timestamp_ns> last_seen;
};

/// Nested records, lists, pairs and tuples as fields.
struct session {
  std::pair<std::string, std::int32_t> key;
  visits totals;
  std::vector<std::string> paths;
  std::vector<std::optional<std::int64_t>> sizes;
  std::optional<std::vector<visits>> history;
  std::tuple<bool, double> flags;
};

struct wide {
  std::int64_t f0;
  std::int64_t f1;
  std::int64_t f2;
  std::int64_t f3;
  std::int64_t f4;
  std::int64_t f5;
  std::int64_t f6;
  std::int64_t f7;
  std::int64_t f8;
  std::int64_t f9;
  std::int64_t f10;
  std::int64_t f11;
  std::int64_t f12;
  std::int64_t f13;
  std::int64_t f14;
  std::int64_t f15;
  std::int64_t f16;
  std::int64_t f17;
  std::int64_t f18;
  std::int64_t f19;
  std::int64_t f20;
  std::int64_t f21;
  std::int64_t f22;
  std::int64_t f23;
  std::int64_t f24;
  std::int64_t f25;
  std::int64_t f26;
  std::int64_t f27;
  std::int64_t f28;
  std::int64_t f29;
  std::int64_t f30;
  std::int64_t f31;
};

}  // namespace user

GPUSTREAM_RECORD(user::access, client, status, bytes, latency, time)
GPUSTREAM_RECORD(user::visits, count, sum, last_seen)
GPUSTREAM_RECORD(user::session, key, totals, paths, sizes, history, flags)
GPUSTREAM_RECORD(user::wide, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31)

namespace gpustream::test {
namespace {

TEST(record, a_struct_declared_once_gives_its_schema) {
  EXPECT_EQ(to_string(schema_of<user::access>()),
            "client:string!,status:int32!,bytes:int64!,latency:float64,time:timestamp_ms!");
  EXPECT_EQ(schema_of<user::access>().index_of("latency"), 3u);
  EXPECT_TRUE(schema_of<user::access>().at("time").type == data_type{type_id::timestamp_ms});
  EXPECT_EQ(to_string(schema_of<user::visits>()), "count:int64!,sum:float64!,last_seen:timestamp_ns");
}

TEST(record, nested_records_lists_pairs_and_tuples) {
  EXPECT_EQ(to_string(schema_of<user::session>()),
            "key:struct<_1:string!,_2:int32!>!,"
            "totals:struct<count:int64!,sum:float64!,last_seen:timestamp_ns>!,"
            "paths:list<string!>!,"
            "sizes:list<int64>!,"
            "history:list<struct<count:int64!,sum:float64!,last_seen:timestamp_ns>!>,"
            "flags:struct<_1:bool!,_2:float64!>!");
  const schema back = parse_schema(to_string(schema_of<user::session>()));
  EXPECT_TRUE(back == schema_of<user::session>());
}

TEST(record, pairs_and_tuples_have_sparks_field_names) {
  EXPECT_EQ(to_string(schema_of<std::pair<std::string, std::int64_t>>()), "_1:string!,_2:int64!");
  EXPECT_EQ(to_string(schema_of<std::tuple<std::string, std::int32_t, std::optional<double>>>()),
            "_1:string!,_2:int32!,_3:float64");
  EXPECT_EQ(to_string(schema_of<std::pair<std::int64_t, std::pair<std::int64_t, std::optional<std::int64_t>>>>()),
            "_1:int64!,_2:struct<_1:int64!,_2:int64>!");
}

TEST(record, thirty_two_fields_in_order) {
  const schema s = schema_of<user::wide>();
  ASSERT_EQ(s.size(), 32u);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].name, "f" + std::to_string(i));
    EXPECT_TRUE(s[i].type == data_type{type_id::int64});
  }
}

}  // namespace
}  // namespace gpustream::test
