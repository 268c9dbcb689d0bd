#include <gpustream/core/error.hpp>
#include <gpustream/table/schema.hpp>

#include <set>
#include <utility>

namespace gpustream {

schema::schema(std::vector<field> fields) : fields_{std::move(fields)} {
  std::set<std::string_view> names;
  for (const field& f : fields_) {
    GPUSTREAM_EXPECTS(!f.name.empty(), "schema: a field without a name");
    GPUSTREAM_EXPECTS(names.insert(f.name).second, "schema: the field '" + f.name + "' appears twice");
  }
}

std::optional<std::size_t> schema::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  return std::nullopt;
}

std::size_t schema::index_of(std::string_view name) const {
  if (const auto i = find(name)) return *i;
  std::string known;
  for (const field& f : fields_) known += (known.empty() ? "" : ", ") + f.name;
  throw logic_error{"no field '" + std::string{name} + "'" +
                    (known.empty() ? std::string{": the schema has no fields"} : "; the fields are " + known)};
}

data_type schema::as_struct() const { return data_type::struct_of(fields_); }

std::string to_string(const schema& s) {
  if (s.empty()) return {};
  const std::string type = to_string(s.as_struct());  // struct<...>
  return type.substr(7, type.size() - 8);
}

schema parse_schema(std::string_view text) { return schema{parse_fields(text)}; }

}  // namespace gpustream
