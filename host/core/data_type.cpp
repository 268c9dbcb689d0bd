#include <gpustream/core/data_type.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/core/type_dispatcher.hpp>

#include <cctype>
#include <set>
#include <utility>

namespace gpustream {

namespace {

bool is_identifier(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (const char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return true;
}

void append_name(std::string& out, std::string_view name) {
  if (is_identifier(name)) {
    out += name;
    return;
  }
  out += '`';
  for (const char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
}

void append_type(std::string& out, const data_type& type) {
  out += type_name(type.id());
  if (type.id() == type_id::list) {
    out += '<';
    append_type(out, type.element());
    if (!type.children().front().nullable) out += '!';
    out += '>';
  } else if (type.id() == type_id::struct_) {
    out += '<';
    bool first = true;
    for (const field& f : type.children()) {
      if (!first) out += ',';
      first = false;
      append_name(out, f.name);
      out += ':';
      append_type(out, f.type);
      if (!f.nullable) out += '!';
    }
    out += '>';
  }
}

/// A recursive-descent reader of to_string's grammar:
///   type   := name ['<' (type ['!'] | fields) '>']
///   fields := field (',' field)*     field := name ':' type ['!']
class type_reader {
 public:
  /// `what` names the text in messages: "type", "fields".
  type_reader(std::string_view text, const char* what) : text_{text}, what_{what} {}

  data_type read_whole_type() {
    data_type type = read_type();
    expect_end("the type");
    return type;
  }
  std::vector<field> read_whole_fields() {
    std::vector<field> fields = read_fields();
    expect_end("the fields");
    return fields;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw logic_error{"invalid " + std::string{what_} + " '" + std::string{text_} + "' at byte " +
                      std::to_string(at_) + ": " + problem};
  }
  void expect_end(const char* after) {
    skip_spaces();
    if (at_ < text_.size()) fail("unexpected '" + std::string{text_.substr(at_, 1)} + "' after " + after);
  }
  void skip_spaces() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool take(char c) {
    skip_spaces();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string{"expected '"} + c + "'");
  }
  std::string read_name() {
    skip_spaces();
    if (at_ < text_.size() && text_[at_] == '`') {
      std::string name;
      for (++at_;; ++at_) {
        if (at_ >= text_.size()) fail("a name in backquotes is not closed");
        if (text_[at_] == '`') {
          if (at_ + 1 < text_.size() && text_[at_ + 1] == '`') {
            name += '`';
            ++at_;
            continue;
          }
          ++at_;
          return name;
        }
        name += text_[at_];
      }
    }
    const std::size_t begin = at_;
    while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_' ||
                                  text_[at_] == '.')) {
      ++at_;
    }
    if (at_ == begin) fail("expected a name");
    return std::string{text_.substr(begin, at_ - begin)};
  }
  data_type read_type() {
    const std::size_t begin = (skip_spaces(), at_);
    const std::string name = read_name();
    for (const type_id id : all_type_ids) {
      if (name != type_name(id)) continue;
      if (id == type_id::list) return read_list();
      if (id == type_id::struct_) return read_struct();
      return data_type{id};
    }
    if (name == "boolean") return data_type{type_id::boolean};
    if (name == "double") return data_type{type_id::float64};
    if (name == "timestamp") return data_type{type_id::timestamp_ms};
    at_ = begin;
    fail("unknown type '" + name +
         "' (types: bool, int32, int64, float64, timestamp_ms, timestamp_ns, string, list<T>, struct<name:T,...>)");
  }
  data_type read_list() {
    expect('<');
    data_type element = read_type();
    const bool nullable = !take('!');
    expect('>');
    return data_type::list_of(std::move(element), nullable);
  }
  data_type read_struct() {
    expect('<');
    std::vector<field> fields = read_fields();
    expect('>');
    return data_type::struct_of(std::move(fields));
  }
  std::vector<field> read_fields() {
    std::vector<field> fields;
    do {
      const std::size_t begin = (skip_spaces(), at_);
      std::string name = read_name();
      for (const field& f : fields) {
        if (f.name == name) {
          at_ = begin;
          fail("the field '" + name + "' appears twice");
        }
      }
      expect(':');
      data_type type = read_type();
      const bool nullable = !take('!');
      fields.push_back(field{std::move(name), std::move(type), nullable});
    } while (take(','));
    return fields;
  }
  std::string_view text_;
  const char* what_;
  std::size_t at_ = 0;
};

}  // namespace

std::string_view type_name(type_id id) {
  switch (id) {
    case type_id::boolean: return "bool";
    case type_id::int32: return "int32";
    case type_id::int64: return "int64";
    case type_id::float64: return "float64";
    case type_id::timestamp_ms: return "timestamp_ms";
    case type_id::timestamp_ns: return "timestamp_ns";
    case type_id::string: return "string";
    case type_id::list: return "list";
    case type_id::struct_: return "struct";
  }
  return "unknown";
}

data_type::data_type(type_id id) : id_{id} {
  GPUSTREAM_EXPECTS(!is_nested(), std::string{"data_type: a "} + std::string{type_name(id)} +
                                      " needs the types inside it: use data_type::list_of or struct_of");
}

data_type::data_type(type_id id, std::vector<field> children) : id_{id}, children_{std::move(children)} {}

data_type data_type::list_of(data_type element, bool nullable_elements) {
  std::vector<field> children;
  children.push_back(field{"item", std::move(element), nullable_elements});
  return data_type{type_id::list, std::move(children)};
}

data_type data_type::struct_of(std::vector<field> fields) {
  GPUSTREAM_EXPECTS(!fields.empty(), "data_type::struct_of: a struct needs at least one field");
  std::set<std::string_view> names;
  for (const field& f : fields) {
    GPUSTREAM_EXPECTS(!f.name.empty(), "data_type::struct_of: a field without a name");
    GPUSTREAM_EXPECTS(names.insert(f.name).second, "data_type::struct_of: the field '" + f.name + "' appears twice");
  }
  return data_type{type_id::struct_, std::move(fields)};
}

const data_type& data_type::element() const {
  GPUSTREAM_EXPECTS(id_ == type_id::list,
                    "data_type::element: a " + std::string{type_name(id_)} + " has no elements, only a list has");
  return children_.front().type;
}

bool operator==(const data_type& a, const data_type& b) { return a.id_ == b.id_ && a.children_ == b.children_; }

std::string to_string(const data_type& type) {
  std::string out;
  append_type(out, type);
  return out;
}

data_type parse_data_type(std::string_view text) { return type_reader{text, "type"}.read_whole_type(); }

std::vector<field> parse_fields(std::string_view text) { return type_reader{text, "fields"}.read_whole_fields(); }

}  // namespace gpustream

namespace gpustream::detail {

void throw_unknown_type_id(int id) {
  throw logic_error{"type_dispatcher: " + std::to_string(id) + " is not a type_id"};
}

}  // namespace gpustream::detail
