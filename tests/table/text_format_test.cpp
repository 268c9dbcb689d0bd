// Rows as text: Java's doubles, ISO 8601 times, JSON strings, and random
// tables of every type (through the backend and back) written as JSON lines
// and CSV, then read back by a small reader of each here and compared with
// the table; the toString form; and the edge cases of each.

#include "../common/host_columns.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/table/text_format.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

/// Appends code point `cp` in UTF-8.
void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// ---- a small JSON reader: the reference the writer is checked against ----

struct json {
  enum class kind { null, boolean, number, string, array, object } k = kind::null;
  bool b = false;
  std::string text;  // a number's text, or a string's bytes
  std::vector<json> items;
  std::vector<std::pair<std::string, json>> fields;
};

class json_reader {
 public:
  explicit json_reader(std::string_view s) : s_{s} {}
  json read_all() {
    json v = value();
    space();
    if (i_ != s_.size()) fail("text after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error{"invalid JSON at byte " + std::to_string(i_) + ": " + why};
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool take(char c) {
    space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) fail("expected " + std::string{word});
    i_ += word.size();
  }
  std::uint32_t hex4() {
    if (i_ + 4 > s_.size()) fail("short \\u escape");
    const std::string h{s_.substr(i_, 4)};
    i_ += 4;
    return static_cast<std::uint32_t>(std::stoul(h, nullptr, 16));
  }
  std::string string() {
    if (!take('"')) fail("expected a string");
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': put_utf8(out, hex4()); break;
        default: fail("a bad escape");
      }
    }
  }
  json value() {
    space();
    json v;
    if (i_ >= s_.size()) fail("no value");
    const char c = s_[i_];
    if (c == 'n') {
      expect("null");
    } else if (c == 't' || c == 'f') {
      v.k = json::kind::boolean;
      v.b = c == 't';
      expect(v.b ? "true" : "false");
    } else if (c == '"') {
      v.k = json::kind::string;
      v.text = string();
    } else if (c == '[') {
      ++i_;
      v.k = json::kind::array;
      if (!take(']')) {
        do v.items.push_back(value());
        while (take(','));
        if (!take(']')) fail("expected ]");
      }
    } else if (c == '{') {
      ++i_;
      v.k = json::kind::object;
      if (!take('}')) {
        do {
          space();
          std::string name = string();
          if (!take(':')) fail("expected :");
          v.fields.emplace_back(std::move(name), value());
        } while (take(','));
        if (!take('}')) fail("expected }");
      }
    } else {
      v.k = json::kind::number;
      const std::size_t b = i_;
      while (i_ < s_.size() && std::strchr("+-0123456789.eE", s_[i_]) != nullptr) ++i_;
      v.text = std::string{s_.substr(b, i_ - b)};
      if (v.text.empty()) fail("expected a value");
    }
    return v;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

/// Milliseconds since the epoch of an ISO 8601 UTC time, read with timegm.
std::int64_t parse_iso_ns(const std::string& t) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char frac[16] = {};
  if (std::sscanf(t.c_str(), "%d-%d-%dT%d:%d:%d.%15[0-9]Z", &y, &mo, &d, &h, &mi, &sec, frac) != 7) {
    ADD_FAILURE() << "not an ISO time: " << t;
    return 0;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const std::int64_t s = static_cast<std::int64_t>(timegm(&tm));
  std::string f = frac;
  f.resize(9, '0');
  return s * 1000000000 + std::stoll(f);
}

/// Expects the JSON value `v` to be row i of `c`.
void expect_json_value(const json& v, const host_column& c, size_type i, const std::string& where) {
  if (!c.is_valid(i)) {
    EXPECT_EQ(v.k, json::kind::null) << where;
    return;
  }
  switch (c.type.id()) {
    case type_id::boolean:
      ASSERT_EQ(v.k, json::kind::boolean) << where;
      EXPECT_EQ(v.b, c.data[static_cast<std::size_t>(i)] != 0) << where;
      break;
    case type_id::int32:
      ASSERT_EQ(v.k, json::kind::number) << where;
      EXPECT_EQ(std::stoll(v.text), c.value<std::int32_t>(i)) << where;
      break;
    case type_id::int64:
      ASSERT_EQ(v.k, json::kind::number) << where;
      EXPECT_EQ(std::stoll(v.text), c.value<std::int64_t>(i)) << where;
      break;
    case type_id::float64: {
      const double want = c.value<double>(i);
      if (std::isnan(want)) {
        ASSERT_EQ(v.k, json::kind::string) << where;
        EXPECT_EQ(v.text, "NaN") << where;
      } else {
        ASSERT_EQ(v.k, json::kind::number) << where;
        const double got = std::strtod(v.text.c_str(), nullptr);
        EXPECT_EQ(got, want) << where << " as " << v.text;
        EXPECT_EQ(std::signbit(got), std::signbit(want)) << where << " as " << v.text;
      }
      break;
    }
    case type_id::timestamp_ms:
      ASSERT_EQ(v.k, json::kind::string) << where;
      EXPECT_EQ(parse_iso_ns(v.text), c.value<std::int64_t>(i) * 1000000) << where << " as " << v.text;
      break;
    case type_id::timestamp_ns:
      ASSERT_EQ(v.k, json::kind::string) << where;
      EXPECT_EQ(parse_iso_ns(v.text), c.value<std::int64_t>(i)) << where << " as " << v.text;
      break;
    case type_id::string:
      ASSERT_EQ(v.k, json::kind::string) << where;
      EXPECT_EQ(v.text, c.string(i)) << where;
      break;
    case type_id::list: {
      ASSERT_EQ(v.k, json::kind::array) << where;
      const auto b = c.offsets[static_cast<std::size_t>(i)];
      ASSERT_EQ(static_cast<offset_type>(v.items.size()), c.offsets[static_cast<std::size_t>(i) + 1] - b) << where;
      for (std::size_t j = 0; j < v.items.size(); ++j) {
        expect_json_value(v.items[j], c.children[0], b + static_cast<offset_type>(j), where + "[" + std::to_string(j) + "]");
      }
      break;
    }
    case type_id::struct_: {
      ASSERT_EQ(v.k, json::kind::object) << where;
      ASSERT_EQ(v.fields.size(), c.children.size()) << where;
      for (std::size_t k = 0; k < c.children.size(); ++k) {
        EXPECT_EQ(v.fields[k].first, c.type.children()[k].name) << where;
        expect_json_value(v.fields[k].second, c.children[k], i, where + "." + c.type.children()[k].name);
      }
      break;
    }
  }
}

/// Replaces the strings of `c` (and of its children) by random valid UTF-8
/// with quotes, backslashes and control characters among it.
host_column with_utf8_strings(const host_column& c, std::mt19937_64& rng) {
  host_column out{c.type};
  for (size_type i = 0; i < c.size; ++i) append_row(out, c, i);
  if (c.type.id() == type_id::string) {
    host_column fresh{c.type};
    for (size_type i = 0; i < c.size; ++i) {
      if (!c.is_valid(i)) {
        fresh.append_null();
        continue;
      }
      std::string s;
      for (auto n = rng() % 8; n > 0; --n) {
        const auto pick = rng() % 6;
        std::uint32_t cp = pick == 0   ? static_cast<std::uint32_t>(rng() % 0x20)
                           : pick == 1 ? static_cast<std::uint32_t>("\"\\/,"[rng() % 4])
                           : pick == 2 ? static_cast<std::uint32_t>(0x80 + rng() % 0x780)
                           : pick == 3 ? static_cast<std::uint32_t>(0x800 + rng() % 0xD000)
                           : pick == 4 ? static_cast<std::uint32_t>(0x10000 + rng() % 0xFFFFF)
                                       : static_cast<std::uint32_t>('a' + rng() % 26);
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xE000;
        put_utf8(s, cp);
      }
      fresh.append_string(s);
    }
    return fresh;
  }
  for (std::size_t k = 0; k < out.children.size(); ++k) out.children[k] = with_utf8_strings(c.children[k], rng);
  return out;
}

host_table random_utf8_table(std::mt19937_64& rng, size_type rows) {
  std::vector<field> fields;
  const int n = std::uniform_int_distribution<int>{1, 5}(rng);
  for (int i = 0; i < n; ++i) fields.push_back(field{"f\"" + std::to_string(i) + ",", random_type(rng, 2), rng() % 2 == 0});
  host_table t{schema{fields}, {}, rows};
  for (const field& f : fields) t.columns.push_back(with_utf8_strings(random_column(f.type, rows, f.nullable, rng), rng));
  return t;
}

/// Splits one CSV record (RFC 4180) into its fields, noting which were quoted.
std::vector<std::pair<std::string, bool>> read_csv_record(std::string_view line) {
  std::vector<std::pair<std::string, bool>> out;
  std::size_t i = 0;
  for (;;) {
    std::string f;
    bool quoted = false;
    if (i < line.size() && line[i] == '"') {
      quoted = true;
      ++i;
      for (;;) {
        if (i >= line.size()) throw std::runtime_error{"unterminated quoted CSV field"};
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            f += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        f += line[i++];
      }
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"' || line[i] == '\n' || line[i] == '\r') throw std::runtime_error{"a bare quote or newline"};
        f += line[i++];
      }
    }
    out.emplace_back(std::move(f), quoted);
    if (i >= line.size()) return out;
    if (line[i] != ',') throw std::runtime_error{"text after a quoted field"};
    ++i;
  }
}

class text_format_test : public backend_test {};

TEST_P(text_format_test, json_lines_of_random_tables_read_back_as_the_rows) {
  auto rng = this->rng();
  for (int round = 0; round < 30; ++round) {
    const host_table want = random_utf8_table(rng, std::uniform_int_distribution<size_type>{0, 200}(rng));
    const host_table h = to_host(to_table(want, s()).view(), s());
    for (size_type r = 0; r < h.rows; ++r) {
      std::string line;
      append_json_row(line, h, r);
      ASSERT_EQ(line.find('\n'), std::string::npos);
      json v;
      try {
        v = json_reader{line}.read_all();
      } catch (const std::exception& e) {
        FAIL() << e.what() << " in " << escaped(line) << " " << seed_trace();
      }
      ASSERT_EQ(v.k, json::kind::object);
      ASSERT_EQ(v.fields.size(), h.columns.size());
      for (std::size_t k = 0; k < h.columns.size(); ++k) {
        EXPECT_EQ(v.fields[k].first, h.fields[k].name);
        expect_json_value(v.fields[k].second, want.columns[k], r,
                          "row " + std::to_string(r) + " field " + h.fields[k].name + " " + seed_trace());
      }
    }
  }
}

TEST_P(text_format_test, csv_of_random_tables_reads_back_field_by_field) {
  auto rng = this->rng();
  for (int round = 0; round < 30; ++round) {
    const host_table want = random_utf8_table(rng, std::uniform_int_distribution<size_type>{0, 200}(rng));
    const host_table h = to_host(to_table(want, s()).view(), s());
    std::string header;
    append_csv_header(header, h.fields);
    const auto names = read_csv_record(header);
    ASSERT_EQ(names.size(), h.fields.size());
    for (std::size_t k = 0; k < names.size(); ++k) EXPECT_EQ(names[k].first, h.fields[k].name);
    for (size_type r = 0; r < h.rows; ++r) {
      std::string line;
      append_csv_row(line, h, r);
      std::vector<std::pair<std::string, bool>> fields;
      try {
        fields = read_csv_record(line);
      } catch (const std::exception& e) {
        FAIL() << e.what() << " in " << escaped(line) << " " << seed_trace();
      }
      ASSERT_EQ(fields.size(), h.columns.size()) << escaped(line);
      for (std::size_t k = 0; k < h.columns.size(); ++k) {
        const host_column& c = want.columns[k];
        const auto& [text, quoted] = fields[k];
        const std::string where = "row " + std::to_string(r) + " field " + std::to_string(k) + " " + seed_trace();
        if (!c.is_valid(r)) {
          EXPECT_TRUE(text.empty() && !quoted) << where;
        } else if (c.type.id() == type_id::string) {
          EXPECT_EQ(text, c.string(r)) << where;
          if (text.empty()) {
            EXPECT_TRUE(quoted) << "an empty string must differ from a null " << where;
          }
        } else if (c.type.is_nested()) {
          expect_json_value(json_reader{text}.read_all(), c, r, where);
        } else {
          std::string one;
          host_table single{schema{{h.fields[k]}}, {}, 1};
          host_column col{c.type};
          append_row(col, c, r);
          single.columns.push_back(std::move(col));
          append_text_row(one, single, 0);
          EXPECT_EQ(text, one) << where;
        }
      }
    }
  }
}

host_table one_column(const data_type& type, const std::function<void(host_column&)>& fill) {
  host_column c{type};
  fill(c);
  const size_type n = c.size;
  host_table t{schema{{field{"v", type, true}}}, {}, n};
  t.columns.push_back(std::move(c));
  return t;
}

TEST(text_format, doubles_are_written_as_java_writes_them) {
  const std::pair<double, const char*> cases[] = {
      {2.0, "2.0"},         {0.1, "0.1"},          {1e7, "1.0E7"},         {1234567.0, "1234567.0"},
      {1.5e-4, "1.5E-4"},   {0.001, "0.001"},      {-0.0, "-0.0"},         {0.0, "0.0"},
      {4.9e-324, "4.9E-324"}, {1.7976931348623157e308, "1.7976931348623157E308"},
      {std::nan(""), "NaN"}, {-std::numeric_limits<double>::infinity(), "-Infinity"},
      {100.5, "100.5"},     {-3.25, "-3.25"},
  };
  for (const auto& [x, want] : cases) {
    std::string got;
    append_double(got, x);
    EXPECT_EQ(got, want);
  }
}

TEST(text_format, times_are_iso_8601_in_utc) {
  const std::pair<std::int64_t, const char*> ms[] = {
      {0, "1970-01-01T00:00:00.000Z"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {951782400000, "2000-02-29T00:00:00.000Z"},
      {1796691723456, "2026-12-08T01:02:03.456Z"},
      {253402300799999, "9999-12-31T23:59:59.999Z"},
      {253402300800000, "+10000-01-01T00:00:00.000Z"},
      {-62167219200000, "0000-01-01T00:00:00.000Z"},
      {-62167219200001, "-0001-12-31T23:59:59.999Z"},
  };
  for (const auto& [t, want] : ms) {
    std::string got;
    append_timestamp_ms(got, t);
    EXPECT_EQ(got, want) << t;
  }
  std::string ns;
  append_timestamp_ns(ns, -1);
  EXPECT_EQ(ns, "1969-12-31T23:59:59.999999999Z");
  std::mt19937_64 rng{fresh_seed()};
  for (int i = 0; i < 2000; ++i) {
    const auto t = static_cast<std::int64_t>(rng() % 8000000000000000000ull) - 4000000000000000000;
    std::string got;
    append_timestamp_ns(got, t);
    EXPECT_EQ(parse_iso_ns(got), t) << got;
  }
}

TEST(text_format, json_strings_escape_what_they_must_and_repair_invalid_utf8) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain", "plain"},
      {"a\"b\\c", "a\\\"b\\\\c"},
      {"\n\r\t\b\f", "\\n\\r\\t\\b\\f"},
      {std::string{"\x00\x01\x1f", 3}, "\\u0000\\u0001\\u001f"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {"\xff", "\\ufffd"},
      {"a\xc3", "a\\ufffd"},                       // cut short
      {"\xc0\xaf", "\\ufffd\\ufffd"},              // overlong
      {"\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"},   // a surrogate
      {"\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"},  // past U+10FFFF
      {"\x7f", "\x7f"},
  };
  for (const auto& [in, want] : cases) {
    std::string got;
    append_json_string(got, in);
    EXPECT_EQ(got, want) << escaped(in);
  }
}

TEST(text_format, the_text_form_is_sparks_tostring) {
  const host_table t = one_column(data_type{type_id::int64}, [](host_column& c) {
    const std::int64_t v = -7;
    c.append_fixed(&v, 8);
    c.append_null();
  });
  std::string one;
  append_text_row(one, t, 0);
  EXPECT_EQ(one, "-7");
  std::string null_row;
  append_text_row(null_row, t, 1);
  EXPECT_EQ(null_row, "null");

  const data_type nested = data_type::struct_of(
      {field{"n", data_type{type_id::float64}, true}, field{"tags", data_type::list_of(data_type{type_id::string}), true}});
  host_table two{schema{{field{"word", data_type{type_id::string}, false}, field{"x", nested, true}}}, {}, 1};
  host_column w{data_type{type_id::string}};
  w.append_string("a,b");
  host_column x{nested};
  const double d = 2;
  x.children[0].append_fixed(&d, 8);
  x.children[1].children[0].append_string("p");
  x.children[1].children[0].append_null();
  x.children[1].end_nested_row();
  x.end_nested_row();
  two.columns.push_back(std::move(w));
  two.columns.push_back(std::move(x));
  std::string text;
  append_text_row(text, two, 0);
  EXPECT_EQ(text, "(a,b,(2.0,[p, null]))");
  std::string js;
  append_json_row(js, two, 0);
  EXPECT_EQ(js, "{\"word\":\"a,b\",\"x\":{\"n\":2.0,\"tags\":[\"p\",null]}}");
  std::string csv;
  append_csv_row(csv, two, 0);
  EXPECT_EQ(csv, "\"a,b\",\"{\"\"n\"\":2.0,\"\"tags\"\":[\"\"p\"\",null]}\"");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(text_format_test);

}  // namespace
}  // namespace gpustream::test
