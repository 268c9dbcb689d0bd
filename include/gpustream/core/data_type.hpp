#pragma once

// The types of a columnar batch's fields: Arrow's physical types, named as
// cudf names them. A list or a struct holds the fields of its children, so a
// type is a tree: list<struct<count:int64, last_seen:timestamp_ms>>.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpustream {

/// The physical type of a column.
enum class type_id : std::uint8_t {
  boolean,       ///< one byte per value, 0 or 1
  int32,         ///< std::int32_t
  int64,         ///< std::int64_t
  float64,       ///< double
  timestamp_ms,  ///< std::int64_t milliseconds since the Unix epoch (UTC)
  timestamp_ns,  ///< std::int64_t nanoseconds since the Unix epoch (UTC)
  string,        ///< offsets + chars (or spans into a batch's text)
  list,          ///< offsets over one child column
  struct_,       ///< one child column per field, all of the same length
};

/// Every type_id, in order: for tests and for dispatch tables.
inline constexpr type_id all_type_ids[] = {type_id::boolean,      type_id::int32,        type_id::int64,
                                           type_id::float64,      type_id::timestamp_ms, type_id::timestamp_ns,
                                           type_id::string,       type_id::list,         type_id::struct_};

/// The name of `id` as types are written: "bool", "int32", "int64",
/// "float64", "timestamp_ms", "timestamp_ns", "string", "list", "struct".
std::string_view type_name(type_id id);

struct field;

/// A column's type: its id and, for a list, the field of its elements, for a
/// struct, its fields. Cheap to compare; copied by value.
class data_type {
 public:
  /// A type without children: anything but list and struct, for which
  /// list_of and struct_of exist. Throws gpustream::logic_error for those.
  explicit data_type(type_id id);
  /// A list whose elements are of `element` (a list of lists is allowed),
  /// each of which may be null unless `nullable_elements` is false.
  static data_type list_of(data_type element, bool nullable_elements = true);
  /// A struct of `fields`: at least one, names unique and not empty. Throws
  /// gpustream::logic_error naming the field otherwise.
  static data_type struct_of(std::vector<field> fields);

  type_id id() const noexcept { return id_; }
  /// The list's one element field ("item"), or the struct's fields; empty
  /// for other types.
  const std::vector<field>& children() const noexcept { return children_; }
  /// A list's element type. Throws gpustream::logic_error for other types.
  const data_type& element() const;

  bool is_nested() const noexcept { return id_ == type_id::list || id_ == type_id::struct_; }
  /// int32, int64 and float64: the types sum, min, max and mean take.
  bool is_numeric() const noexcept {
    return id_ == type_id::int32 || id_ == type_id::int64 || id_ == type_id::float64;
  }
  bool is_timestamp() const noexcept { return id_ == type_id::timestamp_ms || id_ == type_id::timestamp_ns; }
  /// Values of a fixed width in one buffer (all but string, list, struct).
  bool is_fixed_width() const noexcept { return !is_nested() && id_ != type_id::string; }

  friend bool operator==(const data_type& a, const data_type& b);
  friend bool operator!=(const data_type& a, const data_type& b) { return !(a == b); }

 private:
  data_type(type_id id, std::vector<field> children);

  type_id id_;
  std::vector<field> children_;
};

/// A named, typed field of a schema or a struct. `nullable`: the column may
/// hold nulls (a validity bitmap); a field that is not nullable has none.
struct field {
  std::string name;
  data_type type;
  bool nullable = true;

  friend bool operator==(const field& a, const field& b) {
    return a.name == b.name && a.type == b.type && a.nullable == b.nullable;
  }
  friend bool operator!=(const field& a, const field& b) { return !(a == b); }
};

/// The type as it is written: "int64", "list<string>",
/// "struct<count:int64,last_seen:timestamp_ms>". A field that is not
/// nullable is marked with "!" after its type ("struct<id:int64!>"); the
/// elements of a list are nullable unless so marked ("list<int64!>").
/// Names that are not identifiers ([A-Za-z_][A-Za-z0-9_.]*) are quoted with
/// backquotes, a backquote in them doubled.
std::string to_string(const data_type& type);

/// Reads a type written as to_string writes it (spaces around the
/// punctuation are allowed; "bool" and "boolean", "double" for float64, "timestamp" for
/// timestamp_ms). Throws gpustream::logic_error naming the text and the
/// position of the first error.
data_type parse_data_type(std::string_view text);

/// Reads fields written as the inside of a struct, "name:type,name:type!"
/// (a configuration's list of fields). At least one; names unique. Throws
/// gpustream::logic_error naming the text and the position of the first error.
std::vector<field> parse_fields(std::string_view text);

}  // namespace gpustream
