// data_type, its written form and type_dispatcher: random nested types
// written and read back, the exact forms, the errors with their positions,
// and the dispatch of every type_id.

#include "../common/test_utils.hpp"

#include <gpustream/core/data_type.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/core/type_dispatcher.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <type_traits>

namespace gpustream::test {
namespace {

std::string random_name(std::mt19937_64& rng) {
  static const std::string plain = "abcdefghijklmnopqrstuvwxyz_";
  static const std::string odd[] = {"a b", "x:y", "`tick`", "<lt>", "a,b", "caf\xc3\xa9", "1st", "!", "a.b", " "};
  if (rng() % 4 == 0) return odd[rng() % std::size(odd)];
  std::string name(1 + rng() % 8, 'a');
  for (char& c : name) c = plain[rng() % plain.size()];
  return name;
}

data_type random_type(std::mt19937_64& rng, int depth) {
  const type_id id = all_type_ids[rng() % std::size(all_type_ids)];
  if (id == type_id::list) {
    if (depth == 0) return data_type{type_id::int64};
    return data_type::list_of(random_type(rng, depth - 1), rng() % 2 == 0);
  }
  if (id == type_id::struct_) {
    if (depth == 0) return data_type{type_id::string};
    std::vector<field> fields;
    const std::size_t n = 1 + rng() % 4;
    while (fields.size() < n) {
      std::string name = random_name(rng);
      bool taken = false;
      for (const auto& f : fields) taken = taken || f.name == name;
      if (!taken) fields.push_back(field{std::move(name), random_type(rng, depth - 1), rng() % 3 != 0});
    }
    return data_type::struct_of(std::move(fields));
  }
  return data_type{id};
}

std::string message_of(std::string_view text) {
  try {
    parse_data_type(text);
  } catch (const gpustream::logic_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(data_type, random_nested_types_are_read_back_as_written) {
  const std::uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay with GPUSTREAM_TEST_SEED)");
  std::mt19937_64 rng{seed};
  for (int i = 0; i < 2000; ++i) {
    const data_type t = random_type(rng, 1 + static_cast<int>(rng() % 4));
    const std::string text = to_string(t);
    const data_type back = parse_data_type(text);
    ASSERT_TRUE(back == t) << text << " read back as " << to_string(back);
    EXPECT_EQ(to_string(back), text);
  }
}

TEST(data_type, exact_forms) {
  EXPECT_EQ(to_string(data_type{type_id::boolean}), "bool");
  EXPECT_EQ(to_string(data_type{type_id::timestamp_ns}), "timestamp_ns");
  EXPECT_EQ(to_string(data_type::list_of(data_type{type_id::int64})), "list<int64>");
  EXPECT_EQ(to_string(data_type::list_of(data_type{type_id::int64}, false)), "list<int64!>");
  const data_type state = data_type::struct_of({{"count", data_type{type_id::int64}, false},
                                                {"sum", data_type{type_id::float64}, true},
                                                {"last seen", data_type{type_id::timestamp_ms}, true},
                                                {"a`b", data_type::list_of(data_type{type_id::string}), true}});
  EXPECT_EQ(to_string(state), "struct<count:int64!,sum:float64,`last seen`:timestamp_ms,`a``b`:list<string>>");
  EXPECT_TRUE(parse_data_type(" struct < count : int64 ! , sum:float64, `last seen`:timestamp_ms ,`a``b`: list< string > > ") ==
              state);
  EXPECT_TRUE(parse_data_type("boolean") == data_type{type_id::boolean});
  EXPECT_TRUE(parse_data_type("double") == data_type{type_id::float64});
  EXPECT_TRUE(parse_data_type("timestamp") == data_type{type_id::timestamp_ms});
  EXPECT_TRUE(parse_data_type("list<list<int32>>").element().element() == data_type{type_id::int32});
}

TEST(data_type, equality_sees_every_part) {
  const auto a = data_type::struct_of({{"x", data_type{type_id::int64}, true}});
  EXPECT_TRUE(a == data_type::struct_of({{"x", data_type{type_id::int64}, true}}));
  EXPECT_FALSE(a == data_type::struct_of({{"y", data_type{type_id::int64}, true}}));
  EXPECT_FALSE(a == data_type::struct_of({{"x", data_type{type_id::int32}, true}}));
  EXPECT_FALSE(a == data_type::struct_of({{"x", data_type{type_id::int64}, false}}));
  EXPECT_FALSE(data_type::list_of(data_type{type_id::int64}) == data_type::list_of(data_type{type_id::int64}, false));
  EXPECT_TRUE(data_type{type_id::string} != data_type{type_id::int64});
}

TEST(data_type, predicates) {
  for (const type_id id : all_type_ids) {
    const data_type t = id == type_id::list      ? data_type::list_of(data_type{type_id::int32})
                        : id == type_id::struct_ ? data_type::struct_of({{"a", data_type{type_id::int32}, true}})
                                                 : data_type{id};
    EXPECT_EQ(t.is_nested(), id == type_id::list || id == type_id::struct_) << type_name(id);
    EXPECT_EQ(t.is_numeric(), id == type_id::int32 || id == type_id::int64 || id == type_id::float64);
    EXPECT_EQ(t.is_timestamp(), id == type_id::timestamp_ms || id == type_id::timestamp_ns);
    EXPECT_EQ(t.is_fixed_width(), !t.is_nested() && id != type_id::string);
    EXPECT_EQ(to_string(t).rfind(std::string{type_name(id)}, 0), 0u);
  }
}

TEST(data_type, misuse_is_refused_naming_the_problem) {
  expect_logic_error([] { data_type{type_id::list}; }, "a list needs the types inside it");
  expect_logic_error([] { data_type{type_id::struct_}; }, "a struct needs the types inside it");
  expect_logic_error([] { data_type::struct_of({}); }, "a struct needs at least one field");
  expect_logic_error([] { data_type::struct_of({{"", data_type{type_id::int64}, true}}); }, "a field without a name");
  expect_logic_error(
      [] { data_type::struct_of({{"a", data_type{type_id::int64}, true}, {"a", data_type{type_id::string}, true}}); },
      "the field 'a' appears twice");
  expect_logic_error([] { data_type{type_id::int64}.element(); }, "a int64 has no elements");
}

TEST(data_type, bad_text_is_refused_with_the_position) {
  EXPECT_EQ(message_of("int65"),
            "invalid type 'int65' at byte 0: unknown type 'int65' (types: bool, int32, int64, float64, timestamp_ms, "
            "timestamp_ns, string, list<T>, struct<name:T,...>)");
  EXPECT_EQ(message_of(""), "invalid type '' at byte 0: expected a name");
  EXPECT_EQ(message_of("list"), "invalid type 'list' at byte 4: expected '<'");
  EXPECT_EQ(message_of("list<int64"), "invalid type 'list<int64' at byte 10: expected '>'");
  EXPECT_EQ(message_of("list<int64>>"), "invalid type 'list<int64>>' at byte 11: unexpected '>' after the type");
  EXPECT_EQ(message_of("struct<>"), "invalid type 'struct<>' at byte 7: expected a name");
  EXPECT_EQ(message_of("struct<a int64>"), "invalid type 'struct<a int64>' at byte 9: expected ':'");
  EXPECT_EQ(message_of("struct<a:int64,a:string>"),
            "invalid type 'struct<a:int64,a:string>' at byte 15: the field 'a' appears twice");
  EXPECT_EQ(message_of("struct<`a:int64>"), "invalid type 'struct<`a:int64>' at byte 16: a name in backquotes is not closed");
  EXPECT_EQ(message_of("int64!"), "invalid type 'int64!' at byte 5: unexpected '!' after the type");
}

TEST(data_type, fields_are_read_as_a_struct_inside) {
  const auto fields = parse_fields("level:string, ms:float64!, tags:list<string>");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1].name, "ms");
  EXPECT_TRUE(fields[1].type == data_type{type_id::float64});
  EXPECT_FALSE(fields[1].nullable);
  EXPECT_TRUE(fields[2].nullable);
  expect_logic_error([] { parse_fields("level:string,"); }, "invalid fields 'level:string,' at byte 13: expected a name");
  expect_logic_error([] { parse_fields("level:strin"); }, "invalid fields 'level:strin' at byte 6: unknown type 'strin'");
}

// ---- type_dispatcher ----

static_assert(std::is_same_v<id_to_type_t<type_id::int32>, std::int32_t>);
static_assert(std::is_same_v<id_to_type_t<type_id::string>, string_ref>);
static_assert(type_to_id_v<double> == type_id::float64);
static_assert(type_to_id_v<id_to_type_t<type_id::timestamp_ns>> == type_id::timestamp_ns);
static_assert(type_to_id_v<id_to_type_t<type_id::struct_>> == type_id::struct_);

/// What a dispatched call saw: the type_id of its T, and sizeof(T) plus an offset it was given.
struct what_was_dispatched {
  template <class T>
  std::pair<type_id, std::size_t> operator()(std::size_t offset) const {
    return {type_to_id_v<T>, sizeof(T) + offset};
  }
};

TEST(type_dispatcher, calls_the_functor_with_the_type_of_each_id) {
  for (const type_id id : all_type_ids) {
    const auto [seen, size] = type_dispatcher(id, what_was_dispatched{}, std::size_t{100});
    EXPECT_EQ(seen, id) << type_name(id);
    EXPECT_GT(size, 100u);
  }
  EXPECT_EQ(type_dispatcher(data_type{type_id::int32}, what_was_dispatched{}, std::size_t{0}).second, 4u);
  EXPECT_EQ(type_dispatcher(data_type{type_id::float64}, what_was_dispatched{}, std::size_t{0}).second, 8u);
  EXPECT_EQ(type_dispatcher(data_type::list_of(data_type{type_id::int32}), what_was_dispatched{}, std::size_t{0}).first,
            type_id::list);
  expect_logic_error([] { type_dispatcher(static_cast<type_id>(200), what_was_dispatched{}, std::size_t{0}); },
                     "200 is not a type_id");
}

}  // namespace
}  // namespace gpustream::test
