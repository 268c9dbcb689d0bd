#pragma once

// What a join of tables computes, checked against both schemas on the host
// before any kernel runs.

#include <gpustream/join/join.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace gpustream::detail {

struct join_spec {
  std::vector<std::size_t> left_keys;
  std::vector<std::size_t> right_keys;
  std::vector<std::size_t> left_values;   ///< the left's fields that are not keys
  std::vector<std::size_t> right_values;  ///< the right's fields that are not keys
  join_type type = join_type::inner;
  schema output;  ///< keys, left values, right values
};

/// Throws gpustream::logic_error naming the field for keys that are missing,
/// not key types or of different types, and for a name on both sides.
join_spec make_join_spec(const schema& left, const schema& right, const std::vector<std::string>& left_keys,
                         const std::vector<std::string>& right_keys, join_type type);

}  // namespace gpustream::detail
