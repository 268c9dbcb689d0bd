#pragma once

// What a group_by computes, checked against its input's schema on the host
// before any kernel runs: the key columns, each aggregation's input column
// and output field.

#include <gpustream/aggregate/group_by.hpp>

#include <cstddef>
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

/// Throws gpustream::logic_error naming the field for a key or an
/// aggregation's field that is missing or of a type it does not take, and
/// for two output fields of one name.
group_by_spec make_group_by_spec(const schema& input, const std::vector<std::string>& keys,
                                 const std::vector<agg>& aggs);

}  // namespace gpustream::detail
