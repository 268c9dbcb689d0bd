#include <gpustream/table/host_column.hpp>

#include <gpustream/core/error.hpp>

#include <string>
#include <utility>

namespace gpustream {

host_column::host_column(data_type t) : type{std::move(t)} {
  switch (type.id()) {
    case type_id::string: offsets.push_back(0); break;
    case type_id::list:
      offsets.push_back(0);
      children.emplace_back(type.element());
      break;
    case type_id::struct_:
      for (const field& f : type.children()) children.emplace_back(f.type);
      break;
    default: break;
  }
}

void host_column::mark(bool valid) {
  const auto words = static_cast<std::size_t>(bitmask_words(size + 1));
  if (!valid && null_mask.empty()) {
    // Every earlier row is valid: set their bits, and the rest of the word.
    null_mask.assign(words, ~bitmask_word{0});
  }
  if (!null_mask.empty()) {
    if (null_mask.size() < words) null_mask.resize(words, ~bitmask_word{0});
    const bitmask_word bit = bitmask_word{1} << (size % 32);
    auto& w = null_mask[static_cast<std::size_t>(size / 32)];
    w = valid ? (w | bit) : (w & ~bit);
  }
  if (!valid) ++null_count;
  ++size;
}

void host_column::append_fixed(const void* value, std::size_t width) {
  GPUSTREAM_EXPECTS(type.is_fixed_width() && value_width(type.id()) == width,
                    "host_column: a " + std::to_string(width) + "-byte value in a column of " + to_string(type));
  const auto* p = static_cast<const std::uint8_t*>(value);
  data.insert(data.end(), p, p + width);
  mark(true);
}

void host_column::append_string(std::string_view s) {
  GPUSTREAM_EXPECTS(type.id() == type_id::string, "host_column: a string in a column of " + to_string(type));
  data.insert(data.end(), s.begin(), s.end());
  offsets.push_back(static_cast<offset_type>(data.size()));
  mark(true);
}

void host_column::end_nested_row() {
  if (type.id() == type_id::list) {
    offsets.push_back(children[0].size);
  } else {
    GPUSTREAM_EXPECTS(type.id() == type_id::struct_, "host_column: end_nested_row in a column of " + to_string(type));
    for (std::size_t i = 0; i < children.size(); ++i) {
      GPUSTREAM_EXPECTS(children[i].size == size + 1, "host_column: field '" + type.children()[i].name + "' has " +
                                                          std::to_string(children[i].size) + " rows, not " +
                                                          std::to_string(size + 1));
    }
  }
  mark(true);
}

void host_column::append_null() {
  switch (type.id()) {
    case type_id::string:
    case type_id::list: offsets.push_back(offsets.back()); break;
    case type_id::struct_:
      for (std::size_t i = 0; i < children.size(); ++i) {
        if (type.children()[i].nullable) {
          children[i].append_null();
        } else {
          children[i].append_empty();
        }
      }
      break;
    default: data.resize(data.size() + value_width(type.id()), 0); break;
  }
  mark(false);
}

void host_column::append_empty() {
  switch (type.id()) {
    case type_id::string:
    case type_id::list: offsets.push_back(offsets.back()); break;
    case type_id::struct_:
      for (host_column& c : children) c.append_empty();
      break;
    default: data.resize(data.size() + value_width(type.id()), 0); break;
  }
  mark(true);
}

namespace {

template <class T>
std::vector<T> copy_to_host(const T* p, size_type n, stream_view s) {
  std::vector<T> h(static_cast<std::size_t>(n));
  if (n > 0) copy_bytes(h.data(), p, h.size() * sizeof(T), s);
  return h;
}

void copy_mask(host_column& h, const column_view& c, stream_view s) {
  h.null_count = c.null_count();
  if (c.null_count() > 0) h.null_mask = copy_to_host(c.null_mask(), bitmask_words(c.size()), s);
}

/// Checks that `offsets` (size + 1) ascend from 0 to at most `limit`.
void expect_offsets(const host_column& h, std::size_t limit) {
  GPUSTREAM_EXPECTS(h.offsets.size() == static_cast<std::size_t>(h.size) + 1,
                    "host_column of " + to_string(h.type) + ": " + std::to_string(h.offsets.size()) +
                        " offsets for " + std::to_string(h.size) + " rows");
  GPUSTREAM_EXPECTS(h.offsets.front() >= 0, "host_column of " + to_string(h.type) + ": a negative offset");
  for (std::size_t i = 1; i < h.offsets.size(); ++i) {
    GPUSTREAM_EXPECTS(h.offsets[i] >= h.offsets[i - 1],
                      "host_column of " + to_string(h.type) + ": offsets descend at row " + std::to_string(i - 1));
  }
  GPUSTREAM_EXPECTS(static_cast<std::size_t>(h.offsets.back()) <= limit,
                    "host_column of " + to_string(h.type) + ": offsets reach past the data");
}

template <class T>
buffer upload(const std::vector<T>& h, stream_view s, memory_resource* mr) {
  buffer b{h.size() * sizeof(T), s, mr};
  if (!h.empty()) copy_bytes(b.data(), h.data(), h.size() * sizeof(T), s);
  return b;
}

column offsets_column(const std::vector<offset_type>& offsets, stream_view s, memory_resource* mr) {
  return column{data_type{type_id::int64}, static_cast<size_type>(offsets.size()), upload(offsets, s, mr), buffer{},
                0, {}};
}

column upload_column(const host_column& h, stream_view s, memory_resource* mr) {
  buffer mask = h.null_count > 0 ? upload(h.null_mask, s, mr) : buffer{0, s, mr};
  GPUSTREAM_EXPECTS(h.null_count == 0 || h.null_mask.size() >= static_cast<std::size_t>(bitmask_words(h.size)),
                    "host_column of " + to_string(h.type) + ": its validity bitmap is too small");
  std::vector<column> children;
  switch (h.type.id()) {
    case type_id::string:
      expect_offsets(h, h.data.size());
      children.push_back(offsets_column(h.offsets, s, mr));
      return column{h.type, h.size, upload(h.data, s, mr), std::move(mask), h.null_count, std::move(children)};
    case type_id::list:
      GPUSTREAM_EXPECTS(h.children.size() == 1, "host_column of " + to_string(h.type) + ": no elements");
      expect_offsets(h, static_cast<std::size_t>(h.children[0].size));
      children.push_back(offsets_column(h.offsets, s, mr));
      children.push_back(upload_column(h.children[0], s, mr));
      return column{h.type, h.size, buffer{0, s, mr}, std::move(mask), h.null_count, std::move(children)};
    case type_id::struct_:
      for (const host_column& c : h.children) children.push_back(upload_column(c, s, mr));
      return column{h.type, h.size, buffer{0, s, mr}, std::move(mask), h.null_count, std::move(children)};
    default:
      GPUSTREAM_EXPECTS(h.data.size() == static_cast<std::size_t>(h.size) * value_width(h.type.id()),
                        "host_column of " + to_string(h.type) + ": " + std::to_string(h.data.size()) +
                            " bytes for " + std::to_string(h.size) + " values");
      return column{h.type, h.size, upload(h.data, s, mr), std::move(mask), h.null_count, {}};
  }
}

}  // namespace

host_column to_host(const column_view& c, stream_view s) {
  host_column h{c.type()};
  h.size = c.size();
  switch (c.type().id()) {
    case type_id::string:
      if (c.is_spans()) {
        const std::vector<std::string> strings = to_host(c.as_spans(), s);
        h.offsets.clear();
        h.offsets.push_back(0);
        for (const std::string& str : strings) {
          h.data.insert(h.data.end(), str.begin(), str.end());
          h.offsets.push_back(static_cast<offset_type>(h.data.size()));
        }
      } else if (c.size() > 0) {
        h.offsets = copy_to_host(c.child(0).data<offset_type>(), c.size() + 1, s);
        s.synchronize();
        h.data = copy_to_host(c.data<std::uint8_t>(), h.offsets.back(), s);
      }
      break;
    case type_id::list:
      h.children.clear();
      h.children.push_back(to_host(c.child(1), s));
      if (c.size() > 0) h.offsets = copy_to_host(c.child(0).data<offset_type>(), c.size() + 1, s);
      break;
    case type_id::struct_:
      h.children.clear();
      for (const column_view& f : c.children()) h.children.push_back(to_host(f, s));
      break;
    default:
      h.data = copy_to_host(c.data<std::uint8_t>(), c.size() * static_cast<size_type>(value_width(c.type().id())), s);
      break;
  }
  copy_mask(h, c, s);
  s.synchronize();
  return h;
}

host_table to_host(const table_view& t, stream_view s) {
  host_table h{t.fields(), {}, t.num_rows()};
  for (const column_view& c : t.columns()) h.columns.push_back(to_host(c, s));
  return h;
}

column to_column(const host_column& h, stream_view s, memory_resource* mr) {
  column c = upload_column(h, s, mr);
  s.synchronize();  // the host buffers may go once this returns
  return c;
}

table to_table(const host_table& h, stream_view s, memory_resource* mr) {
  std::vector<column> columns;
  for (const host_column& c : h.columns) columns.push_back(upload_column(c, s, mr));
  s.synchronize();
  return table{h.fields, std::move(columns), h.rows};
}

}  // namespace gpustream
