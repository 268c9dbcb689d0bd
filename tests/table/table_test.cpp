// Tables against their schema: random tables through the backend and back,
// select, and every check that ties the columns to the schema.

#include "../common/host_columns.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/column/concatenate.hpp>
#include <gpustream/table/host_column.hpp>
#include <gpustream/table/table.hpp>

#include <memory>
#include <random>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

class table_test : public backend_test {};

TEST_P(table_test, random_tables_cross_to_the_backend_and_back) {
  auto rng = this->rng();
  for (int round = 0; round < 20; ++round) {
    for (size_type rows : {size_type{0}, size_type{1}, size_type{33}, size_type{1000}}) {
      const host_table want = random_table(rng, rows);
      const table t = to_table(want, s());
      ASSERT_EQ(t.num_rows(), rows);
      ASSERT_EQ(t.fields(), want.fields);
      const host_table got = to_host(t.view(), s());
      ASSERT_EQ(got.columns.size(), want.columns.size());
      for (std::size_t i = 0; i < want.columns.size(); ++i) {
        expect_same_rows(got.columns[i], want.columns[i], to_string(want.fields) + " " + seed_trace());
      }
      // select: some fields by name, in another order.
      const std::string last = want.fields[want.fields.size() - 1].name;
      const std::string first = want.fields[0].name;
      const std::vector<std::string> names =
          want.fields.size() == 1 ? std::vector<std::string>{first} : std::vector<std::string>{last, first};
      const table_view picked = t.view().select(names);
      ASSERT_EQ(picked.num_columns(), names.size());
      EXPECT_EQ(picked.fields()[0], want.fields[want.fields.size() - 1]);
      EXPECT_EQ(picked.column(first).data(), t.view().column(first).data());
      EXPECT_EQ(picked.num_rows(), rows);
    }
  }
}

TEST_P(table_test, concatenate_appends_tables_of_one_schema) {
  auto rng = this->rng();
  for (int round = 0; round < 10; ++round) {
    const host_table first = random_table(rng, 40);
    std::vector<table> parts;
    std::vector<table_view> views;
    std::vector<host_table> hosts;
    for (size_type rows : {size_type{0}, size_type{33}, size_type{1}}) {
      host_table h{first.fields, {}, rows};
      for (const field& f : first.fields.fields()) h.columns.push_back(random_column(f.type, rows, f.nullable, rng));
      hosts.push_back(std::move(h));
    }
    for (const host_table& h : hosts) parts.push_back(to_table(h, s()));
    for (const table& t : parts) views.push_back(t.view());
    const table got = concatenate(views, s());
    ASSERT_EQ(got.num_rows(), 34);
    const host_table back = to_host(got.view(), s());
    for (std::size_t k = 0; k < first.columns.size(); ++k) {
      host_column want{first.fields[k].type};
      for (const host_table& h : hosts) {
        for (size_type i = 0; i < h.rows; ++i) append_row(want, h.columns[k], i);
      }
      expect_same_rows(back.columns[k], want, to_string(first.fields) + " " + seed_trace());
    }
    const table other = to_table(random_table(rng, 2), s());
    if (other.fields() != first.fields) {
      expect_logic_error([&] { (void)concatenate({views[0], other.view()}, s()); }, "concatenate: table 1 is");
    }
  }
}

TEST_P(table_test, columns_that_do_not_match_the_schema_are_refused_by_name) {
  const auto ints = array<std::int64_t>::from_host(std::vector<std::int64_t>{1, 2, 3}, s());
  const auto few = array<std::int64_t>::from_host(std::vector<std::int64_t>{1, 2}, s());
  const column_view c3 = column_view::of_values(data_type{type_id::int64}, ints.view());
  const column_view c2 = column_view::of_values(data_type{type_id::int64}, few.view());
  auto fields = [](std::vector<field> f) { return std::make_shared<const schema>(std::move(f)); };
  const field bytes{"bytes", data_type{type_id::int64}, false};
  const field status{"status", data_type{type_id::int32}, true};
  expect_logic_error([&] { table_view(fields({bytes, status}), {c3}); }, "has 1 columns");
  expect_logic_error([&] { table_view(fields({status}), {c3}); }, "field 'status' is int32 but its column is int64");
  expect_logic_error([&] { table_view(fields({bytes, field{"b2", data_type{type_id::int64}}}), {c3, c2}); },
                     "field 'b2' has 2 rows, 'bytes' 3");
  host_column with_null{data_type{type_id::int64}};
  with_null.append_null();
  const column n = to_column(with_null, s());
  expect_logic_error([&] { table_view(fields({bytes}), {n.view()}); }, "field 'bytes' is never null, but 1 rows are");
  const table_view t{fields({bytes}), {c3}};
  expect_logic_error([&] { (void)t.column("byte"); }, "no field 'byte'");
  expect_logic_error([&] { (void)t.select({"bytes", "status"}); }, "no field 'status'");
  const table_view counted{fields({}), {}, 7};
  EXPECT_EQ(counted.num_rows(), 7);
  EXPECT_EQ(table_view{}.num_rows(), 0);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(table_test);

}  // namespace
}  // namespace gpustream::test
