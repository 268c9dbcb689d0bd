#pragma once

// A batch's records as columns (Arrow's RecordBatch, cudf's table): a schema
// and one column per field, all of one length, in one backend's memory.

#include <gpustream/column/column.hpp>
#include <gpustream/table/schema.hpp>

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace gpustream {

/// Non-owning view of a table: the schema (shared, cheap to copy) and a view
/// of each field's column.
class table_view {
 public:
  /// An empty table of no fields and no rows.
  table_view();
  /// Throws gpustream::logic_error naming the field when the columns do not
  /// match the schema (their number, a type, nulls in a field that is never
  /// null), differ in length or in backend. `rows` is the number of rows of a
  /// table of no fields (a count needs no columns); with fields it must be
  /// theirs.
  table_view(std::shared_ptr<const schema> fields, std::vector<column_view> columns, size_type rows = -1);

  const schema& fields() const noexcept { return *schema_; }
  const std::shared_ptr<const schema>& shared_schema() const noexcept { return schema_; }
  size_type num_rows() const noexcept { return rows_; }
  std::size_t num_columns() const noexcept { return columns_.size(); }
  const std::vector<column_view>& columns() const noexcept { return columns_; }
  const column_view& column(std::size_t i) const { return columns_.at(i); }
  /// The column of the field named `name`. Throws gpustream::logic_error
  /// naming it and the fields there are when there is none.
  const column_view& column(std::string_view name) const { return columns_[schema_->index_of(name)]; }
  /// The fields named, in that order (a name may repeat only where a schema
  /// allows it: never). Throws gpustream::logic_error for a name not there.
  table_view select(const std::vector<std::string>& names) const;

 private:
  std::shared_ptr<const schema> schema_;
  std::vector<column_view> columns_;
  size_type rows_ = 0;
};

/// Owning table. Movable, noncopyable.
class table {
 public:
  table() : table{schema{}, {}} {}
  /// Throws as table_view does.
  table(schema fields, std::vector<gpustream::column> columns, size_type rows = -1);

  const schema& fields() const noexcept { return *schema_; }
  size_type num_rows() const noexcept { return rows_; }
  std::size_t num_columns() const noexcept { return columns_.size(); }
  const gpustream::column& column(std::size_t i) const { return columns_.at(i); }
  /// The columns, leaving the table empty.
  std::vector<gpustream::column> release() &&;
  table_view view() const;
  operator table_view() const { return view(); }  // NOLINT: implicit by design

 private:
  std::shared_ptr<const schema> schema_;
  std::vector<gpustream::column> columns_;
  size_type rows_ = 0;
};

}  // namespace gpustream
