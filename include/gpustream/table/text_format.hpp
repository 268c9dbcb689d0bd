#pragma once

// Rows of a table as text, driven by its schema: Spark's toString form (what
// print() writes), JSON lines with the field names, and CSV with a header
// (RFC 4180). The outputs of every stream of records write through these.

#include <gpustream/table/host_column.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace gpustream {

/// A double as Java's Double.toString writes it (so Spark prints it): the
/// shortest digits that read back as `x`, in decimal for 1e-3 <= |x| < 1e7
/// with at least one digit after the point ("2.0"), else "d.dddE<n>"
/// ("1.0E7", "1.5E-4"); "NaN", "Infinity", "-Infinity", "-0.0".
void append_double(std::string& out, double x);

/// A time since the Unix epoch in ISO 8601, UTC, to the millisecond
/// ("2026-12-08T01:02:03.456Z") or the nanosecond (".456000789Z"); years
/// before 1 or after 9999 are written with their sign and all their digits.
void append_timestamp_ms(std::string& out, std::int64_t ms);
void append_timestamp_ns(std::string& out, std::int64_t ns);

/// `s` as the inside of a JSON string: `"` and `\` escaped, control
/// characters as \n, \t, ... or \u00XX, valid UTF-8 as it is, and each byte
/// of an invalid UTF-8 sequence as U+FFFD, so that the output is valid JSON.
void append_json_string(std::string& out, std::string_view s);

/// Row `row` of `t` as Spark's toString: one field alone as its value, several
/// as a tuple "(a,b,c)"; strings as they are, numbers as Java writes them,
/// booleans "true"/"false", timestamps in ISO 8601, nulls "null", lists
/// "[a, b]" and structs as tuples.
void append_text_row(std::string& out, const host_table& t, size_type row);

/// Row `row` of `t` as one JSON object, fields by name in schema order:
/// numbers as numbers (NaN and infinities as the strings "NaN",
/// "Infinity", "-Infinity", as Jackson writes them), timestamps as ISO 8601
/// strings, lists as arrays, structs as objects, nulls as null. No newline.
void append_json_row(std::string& out, const host_table& t, size_type row);

/// The CSV header (the field names, quoted where they need it) and rows:
/// fields separated by commas, a field quoted (its quotes doubled) where it
/// holds a comma, a quote, CR or LF, or begins or ends with a space; a null
/// as an empty field, an empty string as "" (so that the two differ); lists
/// and structs as their JSON. No newline.
void append_csv_header(std::string& out, const schema& fields);
void append_csv_row(std::string& out, const host_table& t, size_type row);

}  // namespace gpustream
