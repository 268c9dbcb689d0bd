#include <gpustream/table/table.hpp>

#include <gpustream/core/error.hpp>

#include <string>
#include <utility>

namespace gpustream {

table_view::table_view() : schema_{std::make_shared<const schema>()} {}

table_view::table_view(std::shared_ptr<const schema> fields, std::vector<column_view> columns, size_type rows)
    : schema_{std::move(fields)}, columns_{std::move(columns)} {
  GPUSTREAM_EXPECTS(schema_ != nullptr, "table_view: no schema");
  const schema& s = *schema_;
  GPUSTREAM_EXPECTS(columns_.size() == s.size(), "a table of " + std::to_string(s.size()) + " fields (" +
                                                     to_string(s) + ") has " + std::to_string(columns_.size()) +
                                                     " columns");
  if (columns_.empty()) {
    GPUSTREAM_EXPECTS(rows >= -1, "a table's rows are not negative");
    rows_ = rows < 0 ? 0 : rows;
    return;
  }
  rows_ = columns_.front().size();
  GPUSTREAM_EXPECTS(rows < 0 || rows == rows_, "a table of " + std::to_string(rows_) + " rows is said to have " +
                                                   std::to_string(rows));
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const field& f = s[i];
    const column_view& c = columns_[i];
    GPUSTREAM_EXPECTS(c.type() == f.type, "field '" + f.name + "' is " + to_string(f.type) + " but its column is " +
                                              to_string(c.type()));
    GPUSTREAM_EXPECTS(c.size() == rows_, "field '" + f.name + "' has " + std::to_string(c.size()) + " rows, '" +
                                             s[0].name + "' " + std::to_string(rows_));
    GPUSTREAM_EXPECTS(f.nullable || c.null_count() == 0,
                      "field '" + f.name + "' is never null, but " + std::to_string(c.null_count()) + " rows are");
    GPUSTREAM_EXPECTS(c.kind() == columns_.front().kind(),
                      "field '" + f.name + "' is in " + std::string{to_string(c.kind())} + " memory, '" + s[0].name +
                          "' in " + std::string{to_string(columns_.front().kind())});
  }
}

table_view table_view::select(const std::vector<std::string>& names) const {
  std::vector<field> fields;
  std::vector<column_view> columns;
  for (const std::string& name : names) {
    const std::size_t i = schema_->index_of(name);
    fields.push_back((*schema_)[i]);
    columns.push_back(columns_[i]);
  }
  return table_view{std::make_shared<const schema>(std::move(fields)), std::move(columns), rows_};
}

table::table(schema fields, std::vector<gpustream::column> columns, size_type rows)
    : schema_{std::make_shared<const schema>(std::move(fields))}, columns_{std::move(columns)} {
  rows_ = view().num_rows();  // checks the columns against the schema
  GPUSTREAM_EXPECTS(rows < 0 || columns_.empty() || rows == rows_, "a table of " + std::to_string(rows_) +
                                                                       " rows is said to have " + std::to_string(rows));
  if (columns_.empty()) rows_ = rows < 0 ? 0 : rows;
}

std::vector<gpustream::column> table::release() && {
  rows_ = 0;
  schema_ = std::make_shared<const schema>();
  return std::move(columns_);
}

table_view table::view() const {
  std::vector<column_view> columns;
  columns.reserve(columns_.size());
  for (const gpustream::column& c : columns_) columns.push_back(c.view());
  return table_view{schema_, std::move(columns), columns_.empty() ? rows_ : -1};
}

}  // namespace gpustream
