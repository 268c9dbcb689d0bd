// Columns of any type against the host: random nested columns through the
// backend and back, gather of any rows against picking them on the host,
// string columns of both layouts, the views kernels get, and the layout's
// checks. Sizes across warps and blocks, and empty columns.

#include "../common/host_columns.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/column/column.hpp>
#include <gpustream/column/column_device_view.hpp>
#include <gpustream/column/concatenate.hpp>
#include <gpustream/column/gather.hpp>
#include <gpustream/table/host_column.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

class column_test : public backend_test {
 protected:
  std::vector<size_type> sizes(std::mt19937_64& rng) const {
    return {0, 1, 31, 32, 33, 255, 256, 257, std::uniform_int_distribution<size_type>{1, 3000}(rng)};
  }
};

TEST_P(column_test, random_columns_of_any_type_cross_to_the_backend_and_back) {
  auto rng = this->rng();
  for (int round = 0; round < 24; ++round) {
    const data_type type = random_type(rng, 2);
    const bool nullable = round % 3 != 0;
    for (size_type n : sizes(rng)) {
      const host_column want = random_column(type, n, nullable, rng);
      const column c = to_column(want, s());
      EXPECT_EQ(c.size(), n);
      EXPECT_EQ(c.null_count(), want.null_count);
      EXPECT_EQ(c.kind(), GetParam());
      expect_same_rows(to_host(c.view(), s()), want, to_string(type) + " n=" + std::to_string(n) + " " + seed_trace());
    }
  }
}

TEST_P(column_test, gather_takes_any_rows_of_any_type_and_nulls_for_negative_ones) {
  auto rng = this->rng();
  for (int round = 0; round < 24; ++round) {
    const data_type type = random_type(rng, 2);
    for (size_type n : sizes(rng)) {
      const host_column h = random_column(type, n, round % 2 == 0, rng);
      const column c = to_column(h, s());
      for (size_type m : {size_type{0}, size_type{1}, n, 2 * n + 33}) {
        if (n == 0 && m > 0) continue;
        std::vector<row_index> rows(static_cast<std::size_t>(m));
        // About one row in ten negative: a null row.
        for (auto& r : rows) {
          r = rng() % 10 == 0 ? -1 : static_cast<row_index>(std::uniform_int_distribution<size_type>{0, n - 1}(rng));
        }
        host_column want{type};
        for (row_index r : rows) {
          if (r < 0) {
            want.append_null();
          } else {
            append_row(want, h, r);
          }
        }
        const auto d_rows = array<row_index>::from_host(rows, s());
        const column got = gather(c.view(), d_rows.view(), s());
        expect_same_rows(to_host(got.view(), s()), want,
                         "gather of " + to_string(type) + " n=" + std::to_string(n) + " m=" + std::to_string(m) +
                             " " + seed_trace());
      }
    }
  }
}

TEST_P(column_test, concatenate_lays_parts_of_any_type_end_to_end) {
  auto rng = this->rng();
  for (int round = 0; round < 30; ++round) {
    const data_type type = random_type(rng, 2);
    const int n_parts = std::uniform_int_distribution<int>{1, 5}(rng);
    std::vector<host_column> hosts;
    std::vector<column> parts;
    host_column want{type};
    for (int p = 0; p < n_parts; ++p) {
      // Sizes across word boundaries, empty parts, parts with and without nulls.
      const size_type n = std::vector<size_type>{0, 1, 31, 32, 33, 70}[rng() % 6];
      hosts.push_back(random_column(type, n, rng() % 2 == 0, rng));
      for (size_type i = 0; i < n; ++i) append_row(want, hosts.back(), i);
      parts.push_back(to_column(hosts.back(), s()));
    }
    std::vector<column_view> views;
    for (const column& c : parts) views.push_back(c.view());
    const column got = concatenate(views, s());
    expect_same_rows(to_host(got.view(), s()), want, "concatenate of " + to_string(type) + " " + seed_trace());
  }
  // Strings of both layouts in one call: spans into a text, and offsets.
  const std::string text = "alpha beta gamma";
  const auto chars = upload(text);
  const column spans = column::spans(chars.data(), chars.size(),
                                     array<offset_type>::from_host(std::vector<offset_type>{6, 0}, s()),
                                     array<length_type>::from_host(std::vector<length_type>{4, 5}, s()));
  host_column words{data_type{type_id::string}};
  words.append_string("gamma");
  words.append_null();
  const column owned = to_column(words, s());
  host_column want{data_type{type_id::string}};
  want.append_string("beta");
  want.append_string("alpha");
  want.append_string("gamma");
  want.append_null();
  expect_same_rows(to_host(concatenate({spans.view(), owned.view()}, s()).view(), s()), want, "mixed layouts");
  expect_logic_error([&] { (void)concatenate({spans.view(), to_column(random_column(data_type{type_id::int64}, 1, false, rng), s()).view()}, s()); },
                     "concatenate: column 1 is int64, column 0 string");
  expect_logic_error([&] { (void)concatenate(std::vector<column_view>{}, s()); }, "no columns");
}

TEST_P(column_test, strings_as_spans_over_a_buffer_read_and_gather_as_offsets) {
  auto rng = this->rng();
  for (size_type n : sizes(rng)) {
    // Spans in any order, overlapping, into one buffer; every third row null.
    std::string text;
    for (int i = 0; i < 500; ++i) text += static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 26);
    std::vector<offset_type> starts;
    std::vector<length_type> lengths;
    host_column want{data_type{type_id::string}};
    for (size_type i = 0; i < n; ++i) {
      const auto b = static_cast<offset_type>(rng() % text.size());
      const auto len = static_cast<length_type>(rng() % std::min<std::size_t>(20, text.size() - b + 1));
      starts.push_back(b);
      lengths.push_back(len);
      if (i % 3 == 2) {
        want.append_null();
      } else {
        want.append_string(std::string_view{text}.substr(static_cast<std::size_t>(b), static_cast<std::size_t>(len)));
      }
    }
    std::vector<bitmask_word> mask(static_cast<std::size_t>(bitmask_words(n)), 0);
    for (size_type i = 0; i < n; ++i) {
      if (i % 3 != 2) mask[static_cast<std::size_t>(i / 32)] |= bitmask_word{1} << (i % 32);
    }
    const auto chars = upload(text);
    buffer d_mask{mask.size() * sizeof(bitmask_word), s()};
    if (!mask.empty()) copy_bytes(d_mask.data(), mask.data(), mask.size() * sizeof(bitmask_word), s());
    const column c = column::spans(chars.data(), chars.size(), array<offset_type>::from_host(starts, s()),
                                   array<length_type>::from_host(lengths, s()), std::move(d_mask), n / 3);
    ASSERT_TRUE(c.view().is_spans());
    expect_same_rows(to_host(c.view(), s()), want, "spans n=" + std::to_string(n));

    std::vector<row_index> all(static_cast<std::size_t>(n));
    for (size_type i = 0; i < n; ++i) all[static_cast<std::size_t>(i)] = static_cast<row_index>(n - 1 - i);
    host_column reversed{data_type{type_id::string}};
    for (row_index r : all) append_row(reversed, want, r);
    const column g = gather(c.view(), array<row_index>::from_host(all, s()).view(), s());
    EXPECT_FALSE(g.view().is_spans());
    expect_same_rows(to_host(g.view(), s()), reversed, "gathered spans n=" + std::to_string(n));
  }
}

TEST_P(column_test, device_columns_lay_out_every_child) {
  auto rng = this->rng();
  const data_type type = data_type::struct_of(
      {field{"a", data_type{type_id::int32}, true},
       field{"b", data_type::list_of(data_type{type_id::string}), false},
       field{"c", data_type::struct_of({field{"d", data_type{type_id::float64}, true}}), true}});
  const host_column h = random_column(type, 100, true, rng);
  const column c = to_column(h, s());
  const column flat = to_column(random_column(data_type{type_id::int64}, 100, false, rng), s());
  const device_columns views{{c.view(), flat.view()}, s()};
  EXPECT_EQ(views.view().num_columns, 2);
  EXPECT_EQ(views.view().num_rows, 100);
  const column_device_view top = views.column(0);
  EXPECT_EQ(top.id, type_id::struct_);
  EXPECT_EQ(top.num_children, 3);
  EXPECT_EQ(views.column(1).data, flat.view().data());
  if (GetParam() == backend::cpu) {
    // Host memory: the children can be followed here as a kernel follows them.
    const column_device_view& b = top.child(1);
    EXPECT_EQ(b.id, type_id::list);
    ASSERT_EQ(b.num_children, 1);
    const column_device_view& strings = b.child(0);
    EXPECT_EQ(strings.id, type_id::string);
    for (size_type i = 0; i < 100; ++i) {
      for (auto j = b.offsets[i]; j < b.offsets[i + 1]; ++j) {
        const string_ref got = strings.element<string_ref>(j);
        const host_column& want = h.children[1].children[0];
        if (want.is_valid(j)) {
          EXPECT_EQ(std::string(got.data, static_cast<std::size_t>(got.size)), want.string(j));
        }
      }
      EXPECT_EQ(top.child(0).is_valid(i), h.children[0].is_valid(i)) << i;
      if (h.children[0].is_valid(i)) {
        EXPECT_EQ(top.child(0).element<std::int32_t>(i), h.children[0].value<std::int32_t>(i));
      }
      EXPECT_EQ(top.child(2).child(0).is_valid(i), h.children[2].children[0].is_valid(i)) << i;
    }
  }
}

TEST_P(column_test, a_layout_that_does_not_fit_its_type_is_refused) {
  const auto values = array<std::int64_t>::from_host(std::vector<std::int64_t>{1, 2, 3}, s());
  const column_view three = column_view::of_values(data_type{type_id::int64}, values.view());
  const auto k = GetParam();
  expect_logic_error([&] { column_view::of_values(data_type{type_id::int32}, values.view()); }, "is not 8 bytes wide");
  expect_logic_error([&] { column_view(data_type{type_id::int64}, 3, values.data(), nullptr, 1, {}, k); },
                     "with nulls needs a validity bitmap");
  expect_logic_error([&] { column_view(data_type{type_id::int64}, 3, values.data(), nullptr, 4, {}, k); },
                     "4 nulls in 3 rows");
  expect_logic_error([&] { column_view(data_type{type_id::int64}, -1, values.data(), nullptr, 0, {}, k); },
                     "is negative");
  expect_logic_error([&] { column_view(data_type{type_id::string}, 1, nullptr, nullptr, 0, {three}, k); },
                     "needs 2 offsets, not 3");
  expect_logic_error([&] { column_view(data_type{type_id::string}, 2, nullptr, nullptr, 0, {}, k); },
                     "one child) or starts and lengths (two), not 0");
  expect_logic_error(
      [&] { column_view(data_type::list_of(data_type{type_id::int32}), 2, nullptr, nullptr, 0, {three, three}, k); },
      "its elements are int64");
  expect_logic_error(
      [&] {
        column_view(data_type::struct_of({field{"x", data_type{type_id::int64}, true}}), 2, nullptr, nullptr, 0, {three},
                    k);
      },
      "field 'x' is 3 rows of int64");
  const backend other = k == backend::cpu ? backend::cuda : backend::cpu;
  expect_logic_error(
      [&] {
        column_view(data_type::struct_of({field{"x", data_type{type_id::int64}, true}}), 3, nullptr, nullptr, 0, {three},
                    other);
      },
      "a child is in");
  expect_logic_error([&] { column(data_type{type_id::int64}, 4, buffer{16, s()}, buffer{}, 0, {}); },
                     "16 bytes hold fewer than 4 values");
  host_column bad{data_type{type_id::string}};
  bad.append_string("abc");
  bad.offsets[1] = 10;
  expect_logic_error([&] { (void)to_column(bad, s()); }, "offsets reach past the data");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(column_test);

}  // namespace
}  // namespace gpustream::test
