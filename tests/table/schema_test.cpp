// schema: lookups by name with their errors, and the written form read back,
// over random schemas.

#include "../common/test_utils.hpp"

#include <gpustream/core/error.hpp>
#include <gpustream/table/schema.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace gpustream::test {
namespace {

schema access_log() {
  return schema{{{"remote_addr", data_type{type_id::string}, false},
                 {"time_local", data_type{type_id::timestamp_ms}, true},
                 {"status", data_type{type_id::int32}, true},
                 {"body_bytes_sent", data_type{type_id::int64}, true},
                 {"request_time", data_type{type_id::float64}, true}}};
}

TEST(schema, fields_are_found_by_name) {
  const schema s = access_log();
  EXPECT_EQ(s.size(), 5u);
  EXPECT_EQ(s.index_of("status"), 2u);
  EXPECT_EQ(s.find("request_time"), std::optional<std::size_t>{4});
  EXPECT_EQ(s.find("Status"), std::nullopt) << "names are case sensitive";
  EXPECT_TRUE(s.at("body_bytes_sent").type == data_type{type_id::int64});
  EXPECT_FALSE(s[0].nullable);
  expect_logic_error([&] { s.index_of("bytes"); },
                     "no field 'bytes'; the fields are remote_addr, time_local, status, body_bytes_sent, request_time");
  expect_logic_error([] { schema{}.index_of("x"); }, "no field 'x': the schema has no fields");
}

TEST(schema, names_are_unique_and_not_empty) {
  expect_logic_error([] { schema{{{"a", data_type{type_id::int64}, true}, {"a", data_type{type_id::boolean}, true}}}; },
                     "the field 'a' appears twice");
  expect_logic_error([] { schema{{{"", data_type{type_id::int64}, true}}}; }, "a field without a name");
}

TEST(schema, written_and_read_back) {
  const schema s = access_log();
  EXPECT_EQ(to_string(s),
            "remote_addr:string!,time_local:timestamp_ms,status:int32,body_bytes_sent:int64,request_time:float64");
  EXPECT_TRUE(parse_schema(to_string(s)) == s);
  EXPECT_TRUE(parse_schema("level:string, service:string, ms:float64") ==
              schema({{"level", data_type{type_id::string}, true},
                      {"service", data_type{type_id::string}, true},
                      {"ms", data_type{type_id::float64}, true}}));
  EXPECT_EQ(to_string(schema{}), "");
  EXPECT_TRUE(s.as_struct() == parse_data_type("struct<" + to_string(s) + ">"));
  expect_logic_error([] { parse_schema("level:string,level:int32"); }, "the field 'level' appears twice");
  expect_logic_error([] { parse_schema("level"); }, "invalid fields 'level' at byte 5: expected ':'");

  const std::uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng{seed};
  const type_id flat[] = {type_id::boolean, type_id::int32,        type_id::int64, type_id::float64,
                          type_id::string,  type_id::timestamp_ms, type_id::timestamp_ns};
  for (int i = 0; i < 500; ++i) {
    std::vector<field> fields;
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t j = 0; j < n; ++j) {
      data_type t{flat[rng() % std::size(flat)]};
      if (rng() % 5 == 0) t = data_type::list_of(t, rng() % 2 == 0);
      fields.push_back(field{"f" + std::to_string(j) + (rng() % 4 == 0 ? " odd name" : ""), t, rng() % 2 == 0});
    }
    const schema random{fields};
    ASSERT_TRUE(parse_schema(to_string(random)) == random) << to_string(random);
  }
}

TEST(schema, equality) {
  EXPECT_TRUE(access_log() == access_log());
  auto fields = access_log().fields();
  fields[2].nullable = false;
  EXPECT_TRUE(schema{fields} != access_log());
  EXPECT_TRUE(schema{} == schema{});
}

}  // namespace
}  // namespace gpustream::test
