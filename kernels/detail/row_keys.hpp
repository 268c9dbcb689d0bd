#pragma once

// Keys of several columns of any fixed-width or string type, row by row:
// their hash, equality and order, for order_keys (group_by, and the joins
// and windows over tables). Written once over the type dispatcher, so they
// grow with the number of types, never with their combinations.

#include <gpustream/column/column_device_view.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/core/type_dispatcher.hpp>
#include <gpustream/text/hash.hpp>

#include "detail/common.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

namespace gpustream::detail {

/// Throws gpustream::logic_error, starting with `op`, unless `f` is of a type
/// that row_keys compares: the fixed-width types and strings.
inline void expect_key_field(const char* op, const field& f) {
  GPUSTREAM_EXPECTS(f.type.is_fixed_width() || f.type.id() == type_id::string,
                    std::string{op} + ": key field '" + f.name + "' is " + to_string(f.type) +
                        ": keys are bool, int32, int64, float64, timestamps and strings");
}

/// A number's order key: timestamps by their count, the rest as themselves.
template <class T>
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE auto ordinal(T v) {
  if constexpr (std::is_same_v<T, timestamp_ms>) {
    return v.ms;
  } else if constexpr (std::is_same_v<T, timestamp_ns>) {
    return v.ns;
  } else {
    return v;
  }
}

/// -1, 0 or 1 as a < b, a == b, a > b, a NaN greater than any number and
/// equal to any NaN (Spark's order of doubles).
template <class T>
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE int compare_values(T a, T b) {
  const auto x = ordinal(a);
  const auto y = ordinal(b);
  if constexpr (std::is_floating_point_v<decltype(x)>) {
    const bool nx = x != x;
    const bool ny = y != y;
    if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
  }
  return x < y ? -1 : (y < x ? 1 : 0);
}

/// A hash of a fixed-width value; -0.0 hashes as 0.0, every NaN alike.
template <class T>
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE hash_type hash_value(T v) {
  std::uint64_t bits = 0;
  if constexpr (std::is_floating_point_v<T>) {
    double d = v;
    if (d == 0.0) d = 0.0;
    if (d != d) {
      bits = 0x7FF8000000000000ull;
    } else {
      std::memcpy(&bits, &d, sizeof d);
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    bits = v ? 1 : 0;
  } else {
    const auto o = ordinal(v);
    bits = static_cast<std::uint64_t>(o);
  }
  return fmix64(bits + 0x9E3779B97F4A7C15ull);
}

/// The hash of row i of a key column, by its type.
struct hash_element_fn {
  template <class T>
  GPUSTREAM_HOST_DEVICE hash_type operator()(const column_device_view& c, size_type i, hash_function hf) const {
    if constexpr (std::is_same_v<T, string_ref>) {
      return hash_string(c.element<string_ref>(i), hf);
    } else if constexpr (std::is_same_v<T, list_tag> || std::is_same_v<T, struct_tag>) {
      return 0;  // not a key type: refused before any kernel runs
    } else {
      // length_only makes every value of a column collide, as it does
      // strings of one length: the tests' proof that keys are compared.
      return hf == hash_function::length_only ? hash_type{sizeof(T)} : hash_value(c.element<T>(i));
    }
  }
};

/// The order of rows a and b of a key column, by its type.
struct compare_element_fn {
  template <class T>
  GPUSTREAM_HOST_DEVICE int operator()(const column_device_view& c, size_type a, size_type b) const {
    if constexpr (std::is_same_v<T, string_ref>) {
      return bytes_compare(c.element<string_ref>(a), c.element<string_ref>(b));
    } else if constexpr (std::is_same_v<T, list_tag> || std::is_same_v<T, struct_tag>) {
      return 0;
    } else {
      return compare_values(c.element<T>(a), c.element<T>(b));
    }
  }
};

/// Whether rows a and b of a key column are equal, by its type: strings by
/// length, then bytes; floats as compare_values has them (NaN equals NaN).
struct equal_element_fn {
  template <class T>
  GPUSTREAM_HOST_DEVICE bool operator()(const column_device_view& c, size_type a, size_type b) const {
    if constexpr (std::is_same_v<T, string_ref>) {
      const string_ref x = c.element<string_ref>(a);
      const string_ref y = c.element<string_ref>(b);
      if (x.size != y.size) return false;
#if defined(__CUDA_ARCH__)
      return bytes_equal(x, y);
#else
      return x.size == 0 || std::memcmp(x.data, y.data, static_cast<std::size_t>(x.size)) == 0;
#endif
    } else if constexpr (std::is_same_v<T, list_tag> || std::is_same_v<T, struct_tag>) {
      return true;
    } else if constexpr (std::is_floating_point_v<T>) {
      const T x = c.element<T>(a);
      const T y = c.element<T>(b);
      return x == y || (x != x && y != y);
    } else {
      return ordinal(c.element<T>(a)) == ordinal(c.element<T>(b));
    }
  }
};

/// The rows of the key columns of `t` as order_keys' keys: null before any
/// value, and equal to null.
struct row_keys {
  table_device_view t;
  hash_function hf;

  GPUSTREAM_HOST_DEVICE hash_type hash(size_type i) const {
    hash_type h = 0x2545F4914F6CDD1Dull;
    for (int k = 0; k < t.num_columns; ++k) {
      const column_device_view& c = t.column(k);
      const hash_type e = c.is_valid(i) ? type_dispatcher(c.id, hash_element_fn{}, c, i, hf) : 0x51ED27ull;
      h = fmix64(h ^ (e + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2)));
    }
    return h;
  }
  GPUSTREAM_HOST_DEVICE int compare(size_type a, size_type b) const {
    for (int k = 0; k < t.num_columns; ++k) {
      const column_device_view& c = t.column(k);
      const bool va = c.is_valid(a);
      const bool vb = c.is_valid(b);
      if (va != vb) return va ? 1 : -1;
      if (!va) continue;
      const int r = type_dispatcher(c.id, compare_element_fn{}, c, a, b);
      if (r != 0) return r;
    }
    return 0;
  }
  GPUSTREAM_HOST_DEVICE bool equal(size_type a, size_type b) const {
    for (int k = 0; k < t.num_columns; ++k) {
      const column_device_view& c = t.column(k);
      const bool va = c.is_valid(a);
      if (va != c.is_valid(b)) return false;
      if (va && !type_dispatcher(c.id, equal_element_fn{}, c, a, b)) return false;
    }
    return true;
  }
};

}  // namespace gpustream::detail
