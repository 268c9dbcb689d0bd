// Joins of tables against a nested-loop reference on fresh random tables:
// every join type, one and two key fields of mixed types with nulls, the
// real hash and one under which keys collide, empty sides; and the refusals.

#include "../common/host_columns.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/join/join.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

class table_join_test : public backend_test {};


std::vector<std::string> reference(const host_table& l, const host_table& r, const std::vector<std::string>& lk,
                                   const std::vector<std::string>& rk, join_type type) {
  auto key_of = [](const host_table& t, const std::vector<std::string>& keys, size_type i, bool& has_null) {
    std::string k;
    has_null = false;
    for (const std::string& name : keys) {
      const host_column& c = t.columns[t.fields.index_of(name)];
      has_null = has_null || !c.is_valid(i);
      k += key_text(c, i) + "|";
    }
    return k;
  };
  auto values = [](const host_table& t, const std::vector<std::string>& keys, size_type i) {
    std::string v;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (std::find(keys.begin(), keys.end(), t.fields[c].name) != keys.end()) continue;
      v += (i < 0 ? std::string{"null"} : row_text(t.columns[c], i)) + "|";
    }
    return v;
  };
  std::vector<std::string> out;
  std::vector<bool> right_matched(static_cast<std::size_t>(r.rows), false);
  std::vector<std::string> right_keys;
  std::vector<bool> right_null;
  for (size_type j = 0; j < r.rows; ++j) {
    bool rn = false;
    right_keys.push_back(key_of(r, rk, j, rn));
    right_null.push_back(rn);
  }
  for (size_type i = 0; i < l.rows; ++i) {
    bool ln = false;
    const std::string key = key_of(l, lk, i, ln);
    bool matched = false;
    for (size_type j = 0; j < r.rows && !ln; ++j) {
      if (!right_null[static_cast<std::size_t>(j)] && right_keys[static_cast<std::size_t>(j)] == key) {
        out.push_back(key + values(l, lk, i) + values(r, rk, j));
        matched = true;
        right_matched[static_cast<std::size_t>(j)] = true;
      }
    }
    if (!matched && (type == join_type::left_outer || type == join_type::full_outer)) {
      out.push_back(key + values(l, lk, i) + values(r, rk, -1));
    }
  }
  if (type == join_type::right_outer || type == join_type::full_outer) {
    for (size_type j = 0; j < r.rows; ++j) {
      if (right_matched[static_cast<std::size_t>(j)]) continue;
      out.push_back(right_keys[static_cast<std::size_t>(j)] + values(l, lk, -1) + values(r, rk, j));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> rows_of(const host_table& t, std::size_t keys) {
  std::vector<std::string> out;
  for (size_type i = 0; i < t.rows; ++i) {
    std::string row;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      row += (c < keys ? key_text(t.columns[c], i) : row_text(t.columns[c], i)) + "|";
    }
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_P(table_join_test, every_join_type_matches_the_nested_loop_reference) {
  auto rng = this->rng();
  const join_type types[] = {join_type::inner, join_type::left_outer, join_type::right_outer, join_type::full_outer};
  for (int round = 0; round < 12; ++round) {
    const int n_keys = 1 + round % 2;
    std::vector<field> lf, rf;
    std::vector<std::string> lk, rk;
    for (int k = 0; k < n_keys; ++k) {
      const data_type t{flat_type_ids()[rng() % flat_type_ids().size()]};
      lf.push_back(field{"k" + std::to_string(k), t, rng() % 2 == 0});
      rf.push_back(field{"rk" + std::to_string(k), t, rng() % 2 == 0});
      lk.push_back(lf.back().name);
      rk.push_back(rf.back().name);
    }
    lf.push_back(field{"lv", random_type(rng, 1), true});
    rf.push_back(field{"rv", data_type{type_id::int64}, false});
    for (size_type nl : {size_type{0}, size_type{37}, size_type{300}}) {
      for (size_type nr : {size_type{0}, size_type{45}, size_type{260}}) {
        host_table l{schema{lf}, {}, nl};
        host_table r{schema{rf}, {}, nr};
        for (const field& f : lf) l.columns.push_back(random_column(f.type, nl, f.nullable, rng, 6, 0.1));
        for (const field& f : rf) r.columns.push_back(random_column(f.type, nr, f.nullable, rng, 6, 0.1));
        const table dl = to_table(l, s());
        const table dr = to_table(r, s());
        for (join_type type : types) {
          for (hash_function hf : {hash_function::mix64, hash_function::length_only}) {
            const table out = join(dl.view(), dr.view(), lk, rk, join_options{type, hf}, s());
            const host_table got = to_host(out.view(), s());
            const auto want = reference(l, r, lk, rk, type);
            const auto have = rows_of(got, lk.size());
            ASSERT_EQ(have.size(), want.size()) << "type " << static_cast<int>(type) << " nl=" << nl << " nr=" << nr
                                                << " " << to_string(l.fields) << " " << seed_trace();
            EXPECT_EQ(have, want) << "type " << static_cast<int>(type) << " " << seed_trace();
          }
        }
      }
    }
  }
}

TEST_P(table_join_test, outer_sides_are_nullable_and_bad_keys_are_named) {
  auto fields = [](std::vector<field> f) { return schema{std::move(f)}; };
  const schema ls = fields({field{"client", data_type{type_id::string}, false},
                            field{"status", data_type{type_id::int32}, false},
                            field{"bytes", data_type{type_id::int64}, false}});
  const schema rs = fields({field{"addr", data_type{type_id::string}, false},
                            field{"code", data_type{type_id::int32}, false},
                            field{"country", data_type{type_id::string}, false}});
  const table l = to_table(host_table{ls, {host_column{ls[0].type}, host_column{ls[1].type}, host_column{ls[2].type}}, 0}, s());
  const table r = to_table(host_table{rs, {host_column{rs[0].type}, host_column{rs[1].type}, host_column{rs[2].type}}, 0}, s());
  const table inner = join(l.view(), r.view(), {"client", "status"}, {"addr", "code"}, join_options{}, s());
  EXPECT_EQ(to_string(inner.fields()), "client:string!,status:int32!,bytes:int64!,country:string!");
  const table left = join(l.view(), r.view(), {"client", "status"}, {"addr", "code"},
                          join_options{join_type::left_outer}, s());
  EXPECT_EQ(to_string(left.fields()), "client:string!,status:int32!,bytes:int64!,country:string");
  const table full = join(l.view(), r.view(), {"client"}, {"addr"}, join_options{join_type::full_outer}, s());
  EXPECT_EQ(to_string(full.fields()), "client:string!,status:int32,bytes:int64,code:int32,country:string");
  EXPECT_EQ(full.num_rows(), 0);

  expect_logic_error([&] { (void)join(l.view(), r.view(), {"client"}, {"code"}, join_options{}, s()); },
                     "join: key field 'client' is string on the left, 'code' int32 on the right");
  expect_logic_error([&] { (void)join(l.view(), r.view(), {"client", "status"}, {"addr"}, join_options{}, s()); },
                     "join: 2 key fields on the left, 1 on the right");
  expect_logic_error([&] { (void)join(l.view(), r.view(), {"host"}, {"addr"}, join_options{}, s()); },
                     "no field 'host'");
  expect_logic_error([&] { (void)join(l.view(), l.view(), {"client"}, {"client"}, join_options{}, s()); },
                     "join: both sides have a field 'status'");
  expect_logic_error([&] { (void)join(l.view(), r.view(), {}, {}, join_options{}, s()); }, "join: no key fields");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(table_join_test);

}  // namespace
}  // namespace gpustream::test
