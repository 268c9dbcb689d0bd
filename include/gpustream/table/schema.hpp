#pragma once

#include <gpustream/core/data_type.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpustream {

/// The fields of a batch's records, in order (Arrow's Schema): what a
/// stream's columns are named and typed. Known when the graph is built.
class schema {
 public:
  schema() = default;
  /// Throws gpustream::logic_error, naming the field, for a field without a
  /// name or a name that appears twice.
  explicit schema(std::vector<field> fields);

  const std::vector<field>& fields() const noexcept { return fields_; }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  const field& operator[](std::size_t i) const { return fields_[i]; }

  /// Where the field named `name` is; std::nullopt when there is none.
  std::optional<std::size_t> find(std::string_view name) const noexcept;
  /// Where the field named `name` is. Throws gpustream::logic_error naming
  /// it and the fields there are when there is none.
  std::size_t index_of(std::string_view name) const;
  const field& at(std::string_view name) const { return fields_[index_of(name)]; }

  /// The schema as one struct type: struct<name:type,...>. Throws
  /// gpustream::logic_error for an empty schema (a struct has fields).
  data_type as_struct() const;

  friend bool operator==(const schema& a, const schema& b) { return a.fields_ == b.fields_; }
  friend bool operator!=(const schema& a, const schema& b) { return !(a == b); }

 private:
  std::vector<field> fields_;
};

/// The fields as they are written: "remote_addr:string,status:int32,bytes:int64!"
/// (a struct's fields in to_string's form, "!" marking a field that is never
/// null); empty for an empty schema.
std::string to_string(const schema& s);

/// Reads fields written as to_string writes them, as a configuration gives
/// them ("level:string, ms:float64"): parse_fields. Throws
/// gpustream::logic_error naming the text and the position of the first error.
schema parse_schema(std::string_view text);

}  // namespace gpustream
