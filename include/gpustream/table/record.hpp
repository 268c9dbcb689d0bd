#pragma once

// Typed records over schemas (Spark's Encoder, Flink's TypeInformation): a
// C++ type whose fields the engine knows, so that a schema and the columns
// of a batch follow from it. A user's struct is declared once, in the user's
// own file:
//
//   struct access {
//     std::string client;
//     std::int32_t status;
//     std::int64_t bytes;
//     std::optional<double> latency;   // nullable
//     gpustream::timestamp_ms time;
//   };
//   GPUSTREAM_RECORD(access, client, status, bytes, latency, time)
//
// and schema_of<access>() is client:string!,status:int32!,bytes:int64!,
// latency:float64,time:timestamp_ms!. Pairs and tuples are records too, with
// Spark's field names _1, _2, ...

#include <gpustream/core/type_dispatcher.hpp>
#include <gpustream/table/schema.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace gpustream {

/// Specialized for a record type by GPUSTREAM_RECORD: `names` (the fields'
/// names, in order) and `members` (a tuple of pointers to the members).
template <class T>
struct record_traits;

namespace detail {

template <class T, class = void>
struct has_record_traits : std::false_type {};
template <class T>
struct has_record_traits<T, std::void_t<decltype(record_traits<T>::names)>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
struct is_tuple_like : std::false_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct is_tuple_like<std::tuple<Ts...>> : std::true_type {};

template <class T>
inline constexpr bool dependent_false = false;

template <class P>
struct member_pointer;
template <class C, class M>
struct member_pointer<M C::*> {
  using type = M;
};

}  // namespace detail

/// The field a value of T makes, named `name`: its type and whether it may
/// be null. Field types: bool, std::int32_t, std::int64_t, double,
/// timestamp_ms, timestamp_ns, std::string, std::optional<T> (nullable),
/// std::vector<T> (a list), and records (GPUSTREAM_RECORD structs, pairs and
/// tuples) as structs; any other type is a compile error that lists these.
template <class T>
field field_of(std::string name);

/// The schema of a record type T: a GPUSTREAM_RECORD struct (its members,
/// in order, by name), a std::pair or a std::tuple (_1, _2, ...). A record
/// as a field is a struct; std::optional<T> is a nullable field;
/// std::vector<T> a list.
template <class T>
schema schema_of();

namespace detail {

template <class Tuple, std::size_t... I>
std::vector<field> tuple_fields(std::index_sequence<I...>) {
  return {field_of<std::tuple_element_t<I, Tuple>>("_" + std::to_string(I + 1))...};
}

template <class T, std::size_t... I>
std::vector<field> record_fields(std::index_sequence<I...>) {
  using traits = record_traits<T>;
  using members = std::remove_cv_t<decltype(traits::members)>;
  return {field_of<typename member_pointer<std::tuple_element_t<I, members>>::type>(traits::names[I])...};
}

template <class T>
data_type type_of() {
  if constexpr (std::is_same_v<T, bool>) {
    return data_type{type_id::boolean};
  } else if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t> ||
                       std::is_same_v<T, double> || std::is_same_v<T, timestamp_ms> ||
                       std::is_same_v<T, timestamp_ns>) {
    return data_type{type_to_id_v<T>};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return data_type{type_id::string};
  } else if constexpr (is_vector<T>::value) {
    const field element = field_of<typename T::value_type>("item");
    return data_type::list_of(element.type, element.nullable);
  } else if constexpr (is_tuple_like<T>::value || has_record_traits<T>::value) {
    return schema_of<T>().as_struct();
  } else {
    static_assert(dependent_false<T>,
                  "gpustream: this type is not a field type: use bool, std::int32_t, std::int64_t, double, "
                  "gpustream::timestamp_ms or timestamp_ns, std::string, std::optional<T> (nullable), "
                  "std::vector<T> (a list), a std::pair or std::tuple, or a struct declared with GPUSTREAM_RECORD");
    return data_type{type_id::boolean};
  }
}

}  // namespace detail

template <class T>
field field_of(std::string name) {
  if constexpr (detail::is_optional<T>::value) {
    static_assert(!detail::is_optional<typename T::value_type>::value,
                  "gpustream: std::optional<std::optional<T>> is one nullable field: use std::optional<T>");
    return field{std::move(name), detail::type_of<typename T::value_type>(), true};
  } else {
    return field{std::move(name), detail::type_of<T>(), false};
  }
}

template <class T>
schema schema_of() {
  if constexpr (detail::is_tuple_like<T>::value) {
    return schema{detail::tuple_fields<T>(std::make_index_sequence<std::tuple_size_v<T>>{})};
  } else if constexpr (detail::has_record_traits<T>::value) {
    constexpr std::size_t n = std::tuple_size_v<decltype(record_traits<T>::members)>;
    static_assert(n == std::size(record_traits<T>::names), "gpustream: GPUSTREAM_RECORD: names and members differ");
    return schema{detail::record_fields<T>(std::make_index_sequence<n>{})};
  } else {
    static_assert(detail::dependent_false<T>,
                  "gpustream: schema_of<T>: T is not a record: declare it with GPUSTREAM_RECORD(T, field, ...) "
                  "in your own file, or use a std::pair or std::tuple");
    return schema{};
  }
}

}  // namespace gpustream

// ---- GPUSTREAM_RECORD(Type, field, ...): up to 32 fields ----

#define GPUSTREAM_DETAIL_EXPAND(x) x
#define GPUSTREAM_DETAIL_NTH(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19,  \
                             _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, N, ...)               \
  N
#define GPUSTREAM_DETAIL_COUNT(...)                                                                                 \
  GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_NTH(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, \
                                               18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0))
#define GPUSTREAM_DETAIL_CAT_(a, b) a##b
#define GPUSTREAM_DETAIL_CAT(a, b) GPUSTREAM_DETAIL_CAT_(a, b)
// GPUSTREAM_DETAIL_EACH(M, T, a, b, c) is M(T, a), M(T, b), M(T, c).
#define GPUSTREAM_DETAIL_EACH(M, T, ...) \
  GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_CAT(GPUSTREAM_DETAIL_EACH_, GPUSTREAM_DETAIL_COUNT(__VA_ARGS__))(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_1(M, T, x) M(T, x)
#define GPUSTREAM_DETAIL_EACH_2(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_1(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_3(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_2(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_4(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_3(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_5(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_4(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_6(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_5(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_7(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_6(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_8(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_7(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_9(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_8(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_10(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_9(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_11(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_10(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_12(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_11(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_13(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_12(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_14(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_13(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_15(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_14(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_16(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_15(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_17(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_16(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_18(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_17(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_19(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_18(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_20(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_19(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_21(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_20(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_22(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_21(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_23(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_22(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_24(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_23(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_25(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_24(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_26(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_25(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_27(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_26(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_28(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_27(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_29(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_28(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_30(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_29(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_31(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_30(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_EACH_32(M, T, x, ...) M(T, x), GPUSTREAM_DETAIL_EXPAND(GPUSTREAM_DETAIL_EACH_31(M, T, __VA_ARGS__))
#define GPUSTREAM_DETAIL_NAME(T, member) #member
#define GPUSTREAM_DETAIL_MEMBER(T, member) &T::member

/// Declares the struct `Type` a record whose fields are the members named,
/// in that order (1 to 32): after the struct, in the user's own file, at the
/// global scope (outside any namespace; `Type` may be qualified). Each member
/// must be of a field type (see field_of).
#define GPUSTREAM_RECORD(Type, ...)                                                                   \
  template <>                                                                                         \
  struct gpustream::record_traits<Type> {                                                             \
    static constexpr const char* names[] = {GPUSTREAM_DETAIL_EACH(GPUSTREAM_DETAIL_NAME, Type, __VA_ARGS__)}; \
    static constexpr auto members = std::make_tuple(GPUSTREAM_DETAIL_EACH(GPUSTREAM_DETAIL_MEMBER, Type, __VA_ARGS__)); \
  };
