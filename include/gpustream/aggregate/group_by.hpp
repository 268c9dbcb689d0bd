#pragma once

// Group-by with several aggregations in one call (cudf's
// groupby(keys).aggregate(requests), Spark's groupBy(...).agg(...)): rows
// grouped by any number of key fields of mixed types, each group's count,
// sums, minimums, maximums and means over any numeric fields at once.

#include <gpustream/memory/array.hpp>
#include <gpustream/table/table.hpp>
#include <gpustream/text/hash.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace gpustream {

/// One aggregation of a group_by: what it computes, over which field, and
/// the name of its output field.
struct agg {
  enum class kind : std::uint8_t {
    count_rows,  ///< rows in the group: int64, never null
    count,       ///< rows whose field is not null: int64, never null
    sum,         ///< int32 and int64 sum to int64 (wrapping as a Spark sum does), float64 to float64
    min,         ///< of a number or a timestamp: the field's type
    max,         ///< as min; a NaN is greater than any number, as in Spark
    mean,        ///< of a number: float64
  };
  kind op = kind::count_rows;
  std::string field;  ///< empty for count_rows
  std::string name;   ///< the output field's name; empty: default_name()

  static agg count() { return {kind::count_rows, {}, {}}; }
  static agg count(std::string f) { return {kind::count, std::move(f), {}}; }
  static agg sum(std::string f) { return {kind::sum, std::move(f), {}}; }
  static agg min(std::string f) { return {kind::min, std::move(f), {}}; }
  static agg max(std::string f) { return {kind::max, std::move(f), {}}; }
  static agg mean(std::string f) { return {kind::mean, std::move(f), {}}; }
  /// The same aggregation with its output named `n`.
  agg as(std::string n) const {
    agg a = *this;
    a.name = std::move(n);
    return a;
  }
  /// The aggregation as it is written: "count", "count(bytes)",
  /// "sum(bytes)", "min(t)", "max(t)", "mean(latency)".
  std::string written() const;
  /// `name`, or written() where there is none.
  std::string output_name() const { return name.empty() ? written() : name; }
};

/// Groups the rows of `input` by the fields named `keys` (bool, int32,
/// int64, float64, timestamps and strings; nulls are one key, as in SQL;
/// float keys group -0.0 with 0.0 and every NaN together, as Spark does) and
/// computes `aggs` for each group, skipping nulls. The result has the key
/// fields (as in `input`), then one field per aggregation named by its
/// output_name(); one row per distinct key, in no stated order. Without keys
/// the whole input is one group, and the result one row, even when `input`
/// has none (a count of 0, other aggregates null). Distinct keys are never
/// merged on a hash collision. Throws gpustream::logic_error naming the
/// field for a key or a field that is not there or not of a type the
/// aggregation takes, and for two outputs of one name. Costs a sort of the
/// rows by key hash and one pass per aggregation.
table group_by(const table_view& input, const std::vector<std::string>& keys, const std::vector<agg>& aggs,
               stream_view s, memory_resource* mr = nullptr, hash_function hash = hash_function::mix64);

}  // namespace gpustream
