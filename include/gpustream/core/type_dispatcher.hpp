#pragma once

// cudf's type_dispatcher: code written once per physical type, chosen by a
// type_id at run time, so that an operator grows with the number of types,
// never with their combinations. Runs on the host and in kernels.

#include <gpustream/column/string_column.hpp>
#include <gpustream/core/data_type.hpp>
#include <gpustream/core/host_device.hpp>

#include <cstdint>
#include <utility>

namespace gpustream {

/// A value of a timestamp_ms column.
struct timestamp_ms {
  std::int64_t ms;  ///< since the Unix epoch, UTC
};
/// A value of a timestamp_ns column.
struct timestamp_ns {
  std::int64_t ns;  ///< since the Unix epoch, UTC
};
/// What type_dispatcher names for a list column: its rows are lists, not values.
struct list_tag {};
/// What type_dispatcher names for a struct column: its rows are records.
struct struct_tag {};

/// The C++ type of a value of `Id`: bool, std::int32_t, std::int64_t, double,
/// timestamp_ms, timestamp_ns, string_ref (a string seen from a kernel),
/// list_tag, struct_tag.
template <type_id Id>
struct id_to_type;
template <> struct id_to_type<type_id::boolean> { using type = bool; };
template <> struct id_to_type<type_id::int32> { using type = std::int32_t; };
template <> struct id_to_type<type_id::int64> { using type = std::int64_t; };
template <> struct id_to_type<type_id::float64> { using type = double; };
template <> struct id_to_type<type_id::timestamp_ms> { using type = timestamp_ms; };
template <> struct id_to_type<type_id::timestamp_ns> { using type = timestamp_ns; };
template <> struct id_to_type<type_id::string> { using type = string_ref; };
template <> struct id_to_type<type_id::list> { using type = list_tag; };
template <> struct id_to_type<type_id::struct_> { using type = struct_tag; };
template <type_id Id>
using id_to_type_t = typename id_to_type<Id>::type;

/// The type_id of a C++ value type, the inverse of id_to_type.
template <class T>
struct type_to_id;
template <> struct type_to_id<bool> { static constexpr type_id value = type_id::boolean; };
template <> struct type_to_id<std::int32_t> { static constexpr type_id value = type_id::int32; };
template <> struct type_to_id<std::int64_t> { static constexpr type_id value = type_id::int64; };
template <> struct type_to_id<double> { static constexpr type_id value = type_id::float64; };
template <> struct type_to_id<timestamp_ms> { static constexpr type_id value = type_id::timestamp_ms; };
template <> struct type_to_id<timestamp_ns> { static constexpr type_id value = type_id::timestamp_ns; };
template <> struct type_to_id<string_ref> { static constexpr type_id value = type_id::string; };
template <> struct type_to_id<list_tag> { static constexpr type_id value = type_id::list; };
template <> struct type_to_id<struct_tag> { static constexpr type_id value = type_id::struct_; };
template <class T>
inline constexpr type_id type_to_id_v = type_to_id<T>::value;

namespace detail {
/// Host: throws gpustream::logic_error for a type_id outside the enum.
[[noreturn]] void throw_unknown_type_id(int id);
}  // namespace detail

/// Calls `f.template operator()<T>(args...)` with T = id_to_type_t<id>, and
/// returns what it returns (the same type for every T). An id outside the
/// enum throws gpustream::logic_error on the host and traps in a kernel.
template <class F, class... Args>
GPUSTREAM_HOST_DEVICE decltype(auto) type_dispatcher(type_id id, F&& f, Args&&... args) {
  switch (id) {
    case type_id::boolean: return std::forward<F>(f).template operator()<bool>(std::forward<Args>(args)...);
    case type_id::int32: return std::forward<F>(f).template operator()<std::int32_t>(std::forward<Args>(args)...);
    case type_id::int64: return std::forward<F>(f).template operator()<std::int64_t>(std::forward<Args>(args)...);
    case type_id::float64: return std::forward<F>(f).template operator()<double>(std::forward<Args>(args)...);
    case type_id::timestamp_ms:
      return std::forward<F>(f).template operator()<timestamp_ms>(std::forward<Args>(args)...);
    case type_id::timestamp_ns:
      return std::forward<F>(f).template operator()<timestamp_ns>(std::forward<Args>(args)...);
    case type_id::string: return std::forward<F>(f).template operator()<string_ref>(std::forward<Args>(args)...);
    case type_id::list: return std::forward<F>(f).template operator()<list_tag>(std::forward<Args>(args)...);
    case type_id::struct_: return std::forward<F>(f).template operator()<struct_tag>(std::forward<Args>(args)...);
  }
#if defined(__CUDA_ARCH__)
  __trap();
#else
  detail::throw_unknown_type_id(static_cast<int>(id));
#endif
  __builtin_unreachable();
}

/// type_dispatcher over a data_type's id.
template <class F, class... Args>
decltype(auto) type_dispatcher(const data_type& type, F&& f, Args&&... args) {
  return type_dispatcher(type.id(), std::forward<F>(f), std::forward<Args>(args)...);
}

}  // namespace gpustream
