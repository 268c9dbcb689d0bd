#include "table_codec.hpp"

#include <gpustream/table/host_column.hpp>

#include <cstring>
#include <string>

namespace gpustream::detail {
namespace {

template <class T>
void write_array(byte_writer& w, const std::vector<T>& v) {
  w.bytes(std::string_view{reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)});
}

template <class T>
std::vector<T> read_array(byte_reader& r, const char* what) {
  const std::string_view b = r.bytes();
  if (b.size() % sizeof(T) != 0) r.fail(std::string{"a table's "} + what + " of a partial size");
  std::vector<T> v(b.size() / sizeof(T));
  if (!b.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

void write_column(byte_writer& w, const host_column& c) {
  w.i64(c.size);
  w.i64(c.null_count);
  if (c.null_count > 0) write_array(w, c.null_mask);
  write_array(w, c.data);
  write_array(w, c.offsets);
  for (const host_column& child : c.children) write_column(w, child);
}

host_column read_column(byte_reader& r, const data_type& type) {
  host_column c{type};
  c.size = r.i64();
  c.null_count = r.i64();
  if (c.size < 0 || c.null_count < 0 || c.null_count > c.size) r.fail("a table column of a bad size");
  if (c.null_count > 0) c.null_mask = read_array<bitmask_word>(r, "validity bitmap");
  c.data = read_array<std::uint8_t>(r, "values");
  c.offsets = read_array<offset_type>(r, "offsets");
  for (std::size_t i = 0; i < c.children.size(); ++i) {
    c.children[i] = read_column(r, i < type.children().size() ? type.children()[i].type : c.children[i].type);
  }
  return c;
}

}  // namespace

void write_table(byte_writer& w, const table_view& t, stream_view s) {
  const host_table h = to_host(t, s);
  w.bytes(to_string(h.fields));
  w.i64(h.rows);
  for (const host_column& c : h.columns) write_column(w, c);
}

table read_table(byte_reader& r, const schema& expected, stream_view s, memory_resource* mr) {
  const std::string written{r.bytes()};
  const std::string want = to_string(expected);
  if (written != want) {
    throw checkpoint_error{r.file() + ": its records are " + (written.empty() ? std::string{"of no fields"} : written) + " but the graph's are " +
           (want.empty() ? std::string{"of no fields"} : want) + ": it was written by another graph"};
  }
  host_table h{expected, {}, r.i64()};
  if (h.rows < 0) r.fail("a table of a negative size");
  for (const field& f : expected.fields()) {
    h.columns.push_back(read_column(r, f.type));
    if (h.columns.back().size != h.rows) r.fail("a table column of another length than its table");
  }
  try {
    return to_table(h, s, mr);
  } catch (const logic_error& e) {
    r.fail(std::string{"a damaged table: "} + e.what());
  }
}

}  // namespace gpustream::detail
