#pragma once

// Random columns of any type, and row comparisons of host columns: what the
// table tests generate and check against.

#include <gpustream/table/host_column.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iomanip>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace gpustream::test {

/// The fixed-width and string types (what keys may be).
inline const std::vector<type_id>& flat_type_ids() {
  static const std::vector<type_id> ids{type_id::boolean,      type_id::int32,        type_id::int64, type_id::float64,
                                        type_id::timestamp_ms, type_id::timestamp_ns, type_id::string};
  return ids;
}

/// A random type: flat, or up to `depth` levels of lists and structs.
inline data_type random_type(std::mt19937_64& rng, int depth) {
  const auto& flat = flat_type_ids();
  const auto pick = std::uniform_int_distribution<int>{0, depth > 0 ? 9 : 6}(rng);
  if (pick < 7) return data_type{flat[static_cast<std::size_t>(pick)]};
  if (pick == 7 || pick == 8) {
    return data_type::list_of(random_type(rng, depth - 1), std::uniform_int_distribution<int>{0, 1}(rng) == 0);
  }
  std::vector<field> fields;
  const int n = std::uniform_int_distribution<int>{1, 3}(rng);
  for (int i = 0; i < n; ++i) {
    fields.push_back(field{"f" + std::to_string(i), random_type(rng, depth - 1),
                           std::uniform_int_distribution<int>{0, 1}(rng) == 0});
  }
  return data_type::struct_of(std::move(fields));
}

/// Small values, so that random keys repeat: `spread` distinct values of
/// each type (strings of up to 12 bytes, NUL and high bytes among them).
struct value_maker {
  std::mt19937_64& rng;
  int spread = 1 << 30;

  std::int64_t integer() { return std::uniform_int_distribution<std::int64_t>{-spread, spread}(rng); }
  void append(host_column& c, bool nullable, double null_rate) {
    if (nullable && std::uniform_real_distribution<double>{0, 1}(rng) < null_rate) {
      c.append_null();
      return;
    }
    switch (c.type.id()) {
      case type_id::boolean: {
        const std::uint8_t b = rng() & 1;
        c.append_fixed(&b, 1);
        break;
      }
      case type_id::int32: {
        const auto v = static_cast<std::int32_t>(integer());
        c.append_fixed(&v, 4);
        break;
      }
      case type_id::int64:
      case type_id::timestamp_ms:
      case type_id::timestamp_ns: {
        const std::int64_t v = integer() * (spread < (1 << 20) ? 1 : 4099);
        c.append_fixed(&v, 8);
        break;
      }
      case type_id::float64: {
        const auto r = rng() % 50;
        double v = static_cast<double>(integer()) / 4;
        if (r == 0) v = -0.0;
        if (r == 1) v = 0.0;
        if (r == 2) v = std::nan("");
        c.append_fixed(&v, 8);
        break;
      }
      case type_id::string: {
        const auto k = static_cast<std::uint64_t>(integer() - std::int64_t{-spread});
        std::string s;
        std::mt19937_64 local{k};
        const auto len = local() % 13;
        for (std::uint64_t i = 0; i < len; ++i) s += static_cast<char>(local() % 4 == 0 ? local() % 256 : 'a' + local() % 26);
        c.append_string(s);
        break;
      }
      case type_id::list: {
        const auto n = rng() % 4;
        const field& item = c.type.children().front();
        for (std::uint64_t i = 0; i < n; ++i) append(c.children[0], item.nullable, null_rate);
        c.end_nested_row();
        break;
      }
      case type_id::struct_: {
        for (std::size_t i = 0; i < c.children.size(); ++i) {
          append(c.children[i], c.type.children()[i].nullable, null_rate);
        }
        c.end_nested_row();
        break;
      }
    }
  }
};

/// A random column of `rows` rows of `type`.
inline host_column random_column(const data_type& type, size_type rows, bool nullable, std::mt19937_64& rng,
                                 int spread = 1 << 30, double null_rate = 0.2) {
  host_column c{type};
  value_maker m{rng, spread};
  for (size_type i = 0; i < rows; ++i) m.append(c, nullable, null_rate);
  return c;
}

/// A random table of 1 to 6 fields of random types, named "field 0", ...
inline host_table random_table(std::mt19937_64& rng, size_type rows) {
  std::vector<field> fields;
  const int n = std::uniform_int_distribution<int>{1, 6}(rng);
  for (int i = 0; i < n; ++i) {
    fields.push_back(field{"field " + std::to_string(i), random_type(rng, 2), rng() % 2 == 0});
  }
  host_table t{schema{fields}, {}, rows};
  for (const field& f : fields) t.columns.push_back(random_column(f.type, rows, f.nullable, rng));
  return t;
}

/// Appends row i of `src` to `dst` (of the same type).
inline void append_row(host_column& dst, const host_column& src, size_type i) {
  if (!src.is_valid(i)) {
    dst.append_null();
    return;
  }
  switch (src.type.id()) {
    case type_id::string: dst.append_string(src.string(i)); break;
    case type_id::list:
      for (auto j = src.offsets[static_cast<std::size_t>(i)]; j < src.offsets[static_cast<std::size_t>(i) + 1]; ++j) {
        append_row(dst.children[0], src.children[0], j);
      }
      dst.end_nested_row();
      break;
    case type_id::struct_:
      for (std::size_t k = 0; k < src.children.size(); ++k) append_row(dst.children[k], src.children[k], i);
      dst.end_nested_row();
      break;
    default: {
      const std::size_t w = value_width(src.type.id());
      dst.append_fixed(src.data.data() + static_cast<std::size_t>(i) * w, w);
      break;
    }
  }
}

/// Row i of `c` written out: "null", numbers, quoted strings, [lists], {structs}.
inline std::string row_text(const host_column& c, size_type i) {
  if (!c.is_valid(i)) return "null";
  std::ostringstream o;
  switch (c.type.id()) {
    case type_id::boolean: o << (c.data[static_cast<std::size_t>(i)] != 0 ? "true" : "false"); break;
    case type_id::int32: o << c.value<std::int32_t>(i); break;
    case type_id::int64:
    case type_id::timestamp_ms:
    case type_id::timestamp_ns: o << c.value<std::int64_t>(i); break;
    case type_id::float64: o << std::hexfloat << c.value<double>(i) << std::defaultfloat; break;
    case type_id::string: {
      o << '"';
      for (char ch : c.string(i)) {
        const auto u = static_cast<unsigned char>(ch);
        if (u >= 0x20 && u < 0x7f) {
          o << ch;
        } else {
          o << "\\x" << std::hex << static_cast<int>(u) << std::dec;
        }
      }
      o << '"';
      break;
    }
    case type_id::list: {
      o << '[';
      for (auto j = c.offsets[static_cast<std::size_t>(i)]; j < c.offsets[static_cast<std::size_t>(i) + 1]; ++j) {
        o << (j > c.offsets[static_cast<std::size_t>(i)] ? "," : "") << row_text(c.children[0], j);
      }
      o << ']';
      break;
    }
    case type_id::struct_: {
      o << '{';
      for (std::size_t k = 0; k < c.children.size(); ++k) o << (k ? "," : "") << row_text(c.children[k], i);
      o << '}';
      break;
    }
  }
  return o.str();
}

/// Row i as a key's text, with the normalisation keys get: -0.0 is 0.0, and
/// every NaN alike (as group_by and join compare them).
inline std::string key_text(const host_column& c, size_type i) {
  if (c.type.id() == type_id::float64 && c.is_valid(i)) {
    const double v = c.value<double>(i);
    if (v == 0) return "0";
    if (v != v) return "nan";
  }
  return row_text(c, i);
}

/// Expects `got` to hold the rows of `want`, in order (floats bit for bit).
inline void expect_same_rows(const host_column& got, const host_column& want, const std::string& what) {
  ASSERT_EQ(got.type, want.type) << what;
  ASSERT_EQ(got.size, want.size) << what;
  EXPECT_EQ(got.null_count, want.null_count) << what;
  std::size_t shown = 0;
  for (size_type i = 0; i < want.size; ++i) {
    const std::string g = row_text(got, i);
    const std::string w = row_text(want, i);
    if (g != w && shown++ < 5) ADD_FAILURE() << what << ": row " << i << " is " << g << ", expected " << w;
  }
}

}  // namespace gpustream::test
