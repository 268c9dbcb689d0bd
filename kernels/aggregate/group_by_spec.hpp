#pragma once

// What a group_by computes, checked against its input's schema on the host
// before any kernel runs: the key columns, each aggregation's input column
// and output field.

#include <gpustream/aggregate/group_by.hpp>
#include <gpustream/core/type_dispatcher.hpp>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace gpustream::detail {

struct aggregate_spec {
  agg::kind op;
  std::ptrdiff_t input;  ///< the input column; -1 for count_rows
  field output;
};

struct group_by_spec {
  std::vector<std::size_t> keys;
  std::vector<aggregate_spec> aggregates;
  schema output;  ///< the key fields, then one field per aggregation
};

/// The value types sum and mean take, and those min and max take.
template <class T>
inline constexpr bool is_summable_v =
    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>;
template <class T>
inline constexpr bool is_orderable_v =
    is_summable_v<T> || std::is_same_v<T, timestamp_ms> || std::is_same_v<T, timestamp_ns>;

/// A sum and how many values made it (0: the group's result is null).
template <class A>
struct sum_state {
  A sum;
  std::int64_t valid;
};

/// Throws gpustream::logic_error naming the field for a key or an
/// aggregation's field that is missing or of a type it does not take, and
/// for two output fields of one name.
group_by_spec make_group_by_spec(const schema& input, const std::vector<std::string>& keys,
                                 const std::vector<agg>& aggs);

}  // namespace gpustream::detail
