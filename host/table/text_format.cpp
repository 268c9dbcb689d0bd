#include <gpustream/table/text_format.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace gpustream {

void append_double(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
    return;
  }
  if (std::isinf(x)) {
    out += x < 0 ? "-Infinity" : "Infinity";
    return;
  }
  if (x == 0) {
    out += std::signbit(x) ? "-0.0" : "0.0";
    return;
  }
  char buf[64];
  const double magnitude = std::fabs(x);
  const char* end = std::to_chars(buf, buf + sizeof buf, magnitude, std::chars_format::scientific).ptr;
  if (end - buf >= 2 && buf[1] == 'e') {
    // One digit: Java takes the closest of two digits where it reads back
    // (4.9E-324, not 5.0E-324).
    char two[64];
    const char* two_end = std::to_chars(two, two + sizeof two, magnitude, std::chars_format::scientific, 1).ptr;
    double back = 0;
    std::from_chars(two, two_end, back);
    if (back == magnitude && two[2] != '0') end = std::copy(static_cast<const char*>(two), two_end, buf);
  }
  const std::string_view sci{buf, static_cast<std::size_t>(end - buf)};  // d[.ddd]e(+|-)XX
  const std::size_t e = sci.find('e');
  std::string digits{sci.substr(0, e)};
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const std::string_view exp_text = sci.substr(e + (sci[e + 1] == '+' ? 2 : 1));
  int exponent = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  if (x < 0) out += '-';
  if (exponent >= -3 && exponent < 7) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    } else {
      const auto whole = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() < whole) digits.append(whole - digits.size(), '0');
      const std::string fraction = digits.substr(whole);
      out += digits.substr(0, whole);
      out += '.';
      out += fraction.empty() ? "0" : fraction;
    }
  } else {
    out += digits[0];
    out += '.';
    out += digits.size() > 1 ? digits.substr(1) : "0";
    out += 'E';
    out += std::to_string(exponent);
  }
}

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// Days since 1970-01-01 as a civil date (Howard Hinnant's algorithm).
void civil_from_days(std::int64_t days, std::int64_t& y, unsigned& m, unsigned& d) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

void append_padded(std::string& out, std::uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i) out += '0';
  while (n > 0) out += buf[--n];
}

/// The date and time of `seconds` since the epoch, then `fraction` of
/// `digits` digits and "Z".
void append_time(std::string& out, std::int64_t seconds, std::uint64_t fraction, int digits) {
  const std::int64_t days = floor_div(seconds, 86400);
  const std::int64_t secs = seconds - days * 86400;
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  if (y < 0) {
    out += '-';
    append_padded(out, static_cast<std::uint64_t>(-y), 4);
  } else {
    if (y > 9999) out += '+';
    append_padded(out, static_cast<std::uint64_t>(y), 4);
  }
  out += '-';
  append_padded(out, m, 2);
  out += '-';
  append_padded(out, d, 2);
  out += 'T';
  append_padded(out, static_cast<std::uint64_t>(secs / 3600), 2);
  out += ':';
  append_padded(out, static_cast<std::uint64_t>(secs / 60 % 60), 2);
  out += ':';
  append_padded(out, static_cast<std::uint64_t>(secs % 60), 2);
  out += '.';
  append_padded(out, fraction, digits);
  out += 'Z';
}

}  // namespace

void append_timestamp_ms(std::string& out, std::int64_t ms) {
  const std::int64_t s = floor_div(ms, 1000);
  append_time(out, s, static_cast<std::uint64_t>(ms - s * 1000), 3);
}

void append_timestamp_ns(std::string& out, std::int64_t ns) {
  const std::int64_t s = floor_div(ns, 1000000000);
  append_time(out, s, static_cast<std::uint64_t>(ns - s * 1000000000), 9);
}

namespace {

/// Bytes of the valid UTF-8 sequence at s[i] (1 to 4), or 0 where none starts.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
}

namespace {

enum class style { text, json, csv };

void append_value(std::string& out, const host_column& c, size_type i, style st);

void append_nested(std::string& out, const host_column& c, size_type i, style st) {
  const bool json = st != style::text;
  if (c.type.id() == type_id::list) {
    out += '[';
    const auto b = c.offsets[static_cast<std::size_t>(i)];
    const auto e = c.offsets[static_cast<std::size_t>(i) + 1];
    for (auto j = b; j < e; ++j) {
      if (j > b) out += json ? "," : ", ";
      append_value(out, c.children[0], j, json ? style::json : style::text);
    }
    out += ']';
    return;
  }
  const auto& fields = c.type.children();
  out += json ? '{' : '(';
  for (std::size_t k = 0; k < c.children.size(); ++k) {
    if (k > 0) out += ',';
    if (json) {
      out += '"';
      append_json_string(out, fields[k].name);
      out += "\":";
    }
    append_value(out, c.children[k], i, json ? style::json : style::text);
  }
  out += json ? '}' : ')';
}

void append_value(std::string& out, const host_column& c, size_type i, style st) {
  if (!c.is_valid(i)) {
    if (st != style::csv) out += "null";
    return;
  }
  const bool quoted = st == style::json;
  switch (c.type.id()) {
    case type_id::boolean: out += c.data[static_cast<std::size_t>(i)] != 0 ? "true" : "false"; break;
    case type_id::int32: out += std::to_string(c.value<std::int32_t>(i)); break;
    case type_id::int64: out += std::to_string(c.value<std::int64_t>(i)); break;
    case type_id::float64: {
      const double v = c.value<double>(i);
      const bool finite = std::isfinite(v);
      if (quoted && !finite) out += '"';
      append_double(out, v);
      if (quoted && !finite) out += '"';
      break;
    }
    case type_id::timestamp_ms:
    case type_id::timestamp_ns:
      if (quoted) out += '"';
      if (c.type.id() == type_id::timestamp_ms) {
        append_timestamp_ms(out, c.value<std::int64_t>(i));
      } else {
        append_timestamp_ns(out, c.value<std::int64_t>(i));
      }
      if (quoted) out += '"';
      break;
    case type_id::string:
      if (quoted) {
        out += '"';
        append_json_string(out, c.string(i));
        out += '"';
      } else {
        out += c.string(i);
      }
      break;
    case type_id::list:
    case type_id::struct_: append_nested(out, c, i, st); break;
  }
}

/// `field` as one CSV field: quoted where it needs to be.
void append_csv_field(std::string& out, std::string_view field, bool force_quotes) {
  const bool quote = force_quotes || field.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) {
    out += field;
    return;
  }
  out += '"';
  for (char ch : field) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

}  // namespace

void append_text_row(std::string& out, const host_table& t, size_type row) {
  const bool tuple = t.columns.size() != 1;
  if (tuple) out += '(';
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    if (k > 0) out += ',';
    append_value(out, t.columns[k], row, style::text);
  }
  if (tuple) out += ')';
}

void append_json_row(std::string& out, const host_table& t, size_type row) {
  out += '{';
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    if (k > 0) out += ',';
    out += '"';
    append_json_string(out, t.fields[k].name);
    out += "\":";
    append_value(out, t.columns[k], row, style::json);
  }
  out += '}';
}

void append_csv_header(std::string& out, const schema& fields) {
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (k > 0) out += ',';
    append_csv_field(out, fields[k].name, false);
  }
}

void append_csv_row(std::string& out, const host_table& t, size_type row) {
  std::string value;
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    if (k > 0) out += ',';
    const host_column& c = t.columns[k];
    if (!c.is_valid(row)) continue;  // null: an empty field
    value.clear();
    append_value(value, c, row, c.type.is_nested() ? style::json : style::csv);
    append_csv_field(out, value, c.type.id() == type_id::string && value.empty());
  }
}

}  // namespace gpustream
