#pragma once

// Helpers shared by the operator sources of both backends.

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/core/arithmetic.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/core/host_device.hpp>

#include <cstdint>

namespace gpustream::detail {

/// Reads one value from the memory of `s`'s backend (synchronises `s`).
template <class T>
T read_value(const T* p, stream_view s) {
  T value{};
  copy_bytes(&value, p, sizeof(T), s);
  s.synchronize();
  return value;
}

/// Writes one host value into the memory of `s`'s backend. Synchronises, so the
/// host value may die right after.
template <class T>
void write_value(T* p, const T& value, stream_view s) {
  copy_bytes(p, &value, sizeof(T), s);
  s.synchronize();
}

inline void expect_backend(backend data, stream_view s, const char* what) {
  GPUSTREAM_EXPECTS(data == s.kind(), std::string{what} + ": input is in " +
                                          std::string{to_string(data)} +
                                          " memory but the stream is " +
                                          std::string{to_string(s.kind())});
}

/// Byte equality of two strings.
GPUSTREAM_HOST_DEVICE inline bool bytes_equal(string_ref a, string_ref b) {
  if (a.size != b.size) return false;
  for (length_type i = 0; i < a.size; ++i) {
    if (a.data[i] != b.data[i]) return false;
  }
  return true;
}

/// Lexicographic order of unsigned bytes; a proper prefix comes first.
GPUSTREAM_HOST_DEVICE inline int bytes_compare(string_ref a, string_ref b) {
  const length_type n = a.size < b.size ? a.size : b.size;
  for (length_type i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a.data[i]);
    const auto y = static_cast<unsigned char>(b.data[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size == b.size ? 0 : (a.size < b.size ? -1 : 1);
}

inline string_spans empty_spans(const char* chars, size_type chars_size, stream_view s,
                                memory_resource* mr) {
  return string_spans{chars, chars_size, array<offset_type>{0, s, mr},
                      array<length_type>{0, s, mr}};
}

inline string_column empty_strings(stream_view s, memory_resource* mr) {
  array<offset_type> offsets{1, s, mr};
  fill_bytes(offsets.data(), 0, sizeof(offset_type), s);
  return string_column{array<char>{0, s, mr}, std::move(offsets)};
}

}  // namespace gpustream::detail
