#pragma once

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/memory/array.hpp>

#include <cstdint>

namespace gpustream {

/// Distinct 64-bit integer keys in ascending order, with one 64-bit integer
/// value each (reduce_by_key over integer keys).
struct int_key_table {
  array<std::int64_t> keys;
  array<std::int64_t> values;
  size_type size() const noexcept { return keys.size(); }
};

/// Groups `values` by the integer key at the same row and reduces each group
/// with `agg`; `count` ignores the values, which may then be empty. 32-bit
/// keys are taken widened to 64 bits. The result's keys ascend, on every
/// backend and path. `algorithm`: the sort path (a stable sort of keys and
/// values by key, then one reduction per run; a copy of both and one sort)
/// on CUDA, and where `sort` is asked for; otherwise, on the CPU backend, a
/// hash table per thread, merged, then only the distinct keys sorted.
/// Throws gpustream::logic_error when the sizes differ or the inputs are not
/// in `s`'s backend memory.
int_key_table reduce_by_key(array_view<std::int64_t> keys, array_view<std::int64_t> values, aggregation agg,
                            stream_view s, memory_resource* mr = nullptr,
                            reduce_algorithm algorithm = reduce_algorithm::automatic);

}  // namespace gpustream
