#pragma once

// A key_value_table brought to the host, for the tests of the reductions.

#include <gpustream/aggregate/reduce_by_key.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gpustream::test {

using counts = std::map<std::string, std::int64_t>;

/// A table's rows on the host, in the table's order.
struct table_rows {
  std::vector<std::string> keys;
  std::vector<std::int64_t> values;
  bool operator==(const table_rows& o) const { return keys == o.keys && values == o.values; }
};

inline table_rows rows_of(const key_value_table& t) { return {t.keys.to_host(), t.values.to_host()}; }

/// The rows as a map; a key that comes twice is a failure.
inline counts as_map(const table_rows& r) {
  counts m;
  for (std::size_t i = 0; i < r.keys.size(); ++i) {
    EXPECT_TRUE(m.emplace(r.keys[i], r.values[i]).second) << "key appears twice: " << r.keys[i];
  }
  return m;
}

}  // namespace gpustream::test
