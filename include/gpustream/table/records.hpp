#pragma once

// Typed records to and from tables: a batch of a GPUSTREAM_RECORD struct, a
// pair or a tuple becomes one column per field in one bulk copy each way
// (Spark's Encoder), never a copy per record.

#include <gpustream/table/host_column.hpp>
#include <gpustream/table/record.hpp>
#include <gpustream/table/table.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace gpustream {

/// The records as a table of schema_of<T>() in the memory of `s`'s backend:
/// built on the host, then one copy per buffer. Synchronises `s`.
template <class T>
table to_table(const std::vector<T>& records, stream_view s, memory_resource* mr = nullptr);

/// The rows of `t` as records of T, field by field in order (the names may
/// differ; the types must be schema_of<T>()'s, and a nullable field may fill
/// a member that is not std::optional only where it holds no nulls). T must
/// be default-constructible. Synchronises `s`. Throws gpustream::logic_error
/// naming the first field that does not fit.
template <class T>
std::vector<T> to_records(const table_view& t, stream_view s);

namespace detail {

template <class T>
void append_record_value(host_column& c, const T& v);
template <class T>
T read_record_value(const host_column& c, size_type i);

template <class T, std::size_t... I>
void append_tuple(host_column& c, const T& v, std::index_sequence<I...>) {
  (append_record_value(c.children[I], std::get<I>(v)), ...);
}
template <class T, std::size_t... I>
void append_record(host_column& c, const T& v, std::index_sequence<I...>) {
  constexpr auto members = record_traits<T>::members;
  (append_record_value(c.children[I], v.*std::get<I>(members)), ...);
}
template <class T, std::size_t... I>
T read_tuple(const host_column& c, size_type i, std::index_sequence<I...>) {
  return T{read_record_value<std::tuple_element_t<I, T>>(c.children[I], i)...};
}
template <class T, std::size_t... I>
T read_record(const host_column& c, size_type i, std::index_sequence<I...>) {
  constexpr auto members = record_traits<T>::members;
  T r{};
  ((r.*std::get<I>(members) =
        read_record_value<typename member_pointer<std::tuple_element_t<I, std::remove_cv_t<decltype(members)>>>::type>(
            c.children[I], i)),
   ...);
  return r;
}

template <class T>
void append_record_value(host_column& c, const T& v) {
  if constexpr (is_optional<T>::value) {
    if (v.has_value()) {
      append_record_value(c, *v);
    } else {
      c.append_null();
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    const std::uint8_t b = v ? 1 : 0;
    c.append_fixed(&b, 1);
  } else if constexpr (std::is_same_v<T, std::string>) {
    c.append_string(v);
  } else if constexpr (is_vector<T>::value) {
    for (const auto& e : v) append_record_value(c.children[0], e);
    c.end_nested_row();
  } else if constexpr (is_tuple_like<T>::value) {
    append_tuple(c, v, std::make_index_sequence<std::tuple_size_v<T>>{});
    c.end_nested_row();
  } else if constexpr (has_record_traits<T>::value) {
    append_record(c, v, std::make_index_sequence<std::tuple_size_v<decltype(record_traits<T>::members)>>{});
    c.end_nested_row();
  } else {
    static_assert(std::is_trivially_copyable_v<T>, "gpustream: not a field type (see field_of)");
    c.append_fixed(&v, sizeof(T));
  }
}

template <class T>
T read_record_value(const host_column& c, size_type i) {
  if constexpr (is_optional<T>::value) {
    if (!c.is_valid(i)) return std::nullopt;
    return read_record_value<typename T::value_type>(c, i);
  } else if constexpr (std::is_same_v<T, bool>) {
    return c.data[static_cast<std::size_t>(i)] != 0;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string{c.string(i)};
  } else if constexpr (is_vector<T>::value) {
    T out;
    const auto b = c.offsets[static_cast<std::size_t>(i)];
    const auto e = c.offsets[static_cast<std::size_t>(i) + 1];
    out.reserve(static_cast<std::size_t>(e - b));
    for (auto j = b; j < e; ++j) out.push_back(read_record_value<typename T::value_type>(c.children[0], j));
    return out;
  } else if constexpr (is_tuple_like<T>::value) {
    return read_tuple<T>(c, i, std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (has_record_traits<T>::value) {
    return read_record<T>(c, i, std::make_index_sequence<std::tuple_size_v<decltype(record_traits<T>::members)>>{});
  } else {
    return c.value<T>(i);
  }
}

/// Throws unless a column of `have` may be read as `want` (see to_records).
void expect_readable_as(const std::string& name, const field& have, const column_view& c, const field& want);

}  // namespace detail

template <class T>
table to_table(const std::vector<T>& records, stream_view s, memory_resource* mr) {
  schema fields = schema_of<T>();
  host_column root{fields.as_struct()};
  for (const T& r : records) detail::append_record_value(root, r);
  host_table h{std::move(fields), std::move(root.children), static_cast<size_type>(records.size())};
  return to_table(h, s, mr);
}

template <class T>
std::vector<T> to_records(const table_view& t, stream_view s) {
  const schema want = schema_of<T>();
  GPUSTREAM_EXPECTS(t.num_columns() == want.size(),
                    "to_records: the table's fields (" + to_string(t.fields()) + ") are not the record's (" +
                        to_string(want) + ")");
  for (std::size_t i = 0; i < want.size(); ++i) {
    detail::expect_readable_as(t.fields()[i].name, t.fields()[i], t.column(i), want[i]);
  }
  host_table h = to_host(t, s);
  host_column root{want.as_struct()};
  root.children = std::move(h.columns);
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(h.rows));
  if constexpr (detail::is_tuple_like<T>::value) {
    for (size_type i = 0; i < h.rows; ++i) {
      out.push_back(detail::read_tuple<T>(root, i, std::make_index_sequence<std::tuple_size_v<T>>{}));
    }
  } else {
    constexpr std::size_t n = std::tuple_size_v<decltype(record_traits<T>::members)>;
    for (size_type i = 0; i < h.rows; ++i) out.push_back(detail::read_record<T>(root, i, std::make_index_sequence<n>{}));
  }
  return out;
}

}  // namespace gpustream
