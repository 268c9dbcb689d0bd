// The CPU backend's hash path for group_by: rows grouped through an
// open-addressing table of group ids, then each aggregation folded in one
// pass over the rows into an array indexed by group, with no sort. Each
// OpenMP thread owns the keys whose hash falls in its partition, in the
// grouping and in every aggregation, so that no two threads write one group
// and sums add up in input order. Groups come in their first row's order
// within each partition. Results are the portable path's but for the order
// of rows (group_by states none).

#include "aggregate/group_by_spec.hpp"
#include "detail/common.hpp"
#include "detail/operators.hpp"
#include "detail/row_keys.hpp"

#include <gpustream/column/column_device_view.hpp>
#include <gpustream/core/arithmetic.hpp>
#include <gpustream/core/type_dispatcher.hpp>

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace gpustream::detail::cpu {
namespace {

constexpr row_index no_group = -1;

/// One partition's groups: an open-addressing table of (hash, group id),
/// each group's first row in `first`.
class partition_groups {
 public:
  explicit partition_groups(std::size_t slots = 1024) : slots_(slots, slot{0, no_group}), mask_{slots - 1} {}

  /// The group of row r (hash h), a new one when no row before had its key;
  /// with `confirm` false, when no row before had its hash.
  template <bool confirm>
  row_index find_or_add(const row_keys& keys, size_type r, hash_type h) {
    if (2 * (first_.size() + 1) > slots_.size()) grow();
    std::size_t i = static_cast<std::size_t>(h) & mask_;
    for (;;) {
      const slot& e = slots_[i];
      if (e.group == no_group) {
        const auto fresh = static_cast<row_index>(first_.size());
        slots_[i] = slot{h, fresh};
        first_.push_back(static_cast<row_index>(r));
        return fresh;
      }
      if (e.hash == h && (!confirm || keys.equal(first_[static_cast<std::size_t>(e.group)], r))) return e.group;
      i = (i + 1) & mask_;
    }
  }
  const std::vector<row_index>& first() const noexcept { return first_; }

 private:
  struct slot {
    hash_type hash;
    row_index group;
  };
  void grow() {
    std::vector<slot> bigger(slots_.size() * 2, slot{0, no_group});
    mask_ = bigger.size() - 1;
    for (const slot& e : slots_) {
      if (e.group == no_group) continue;
      std::size_t i = static_cast<std::size_t>(e.hash) & mask_;
      while (bigger[i].group != no_group) i = (i + 1) & mask_;
      bigger[i] = e;
    }
    slots_ = std::move(bigger);
  }

  std::vector<slot> slots_;
  std::size_t mask_;
  std::vector<row_index> first_;
};

/// Rows grouped: each row's group (dense, 0-based, partition by partition)
/// and each group's first row; `bounds[p]` is partition p's first group.
struct hash_grouping {
  std::vector<row_index> group_of_row;
  std::vector<row_index> first;
  std::vector<row_index> bounds;
  int partitions = 1;
};

/// The partition of hash h among `partitions`: its top 32 bits scaled (no
/// division, and the table's slot uses the low bits).
inline std::size_t partition_of(hash_type h, std::uint64_t partitions) {
  return static_cast<std::size_t>(((h >> 32) * partitions) >> 32);
}

/// Groups rows by hash alone (`confirm` false) or by hash and key.
template <bool confirm>
hash_grouping group_rows(const row_keys& keys, const std::vector<hash_type>& hashes, size_type n, int threads) {
  hash_grouping g;
  g.partitions = std::max(1, threads);
  g.group_of_row.resize(static_cast<std::size_t>(n));
  std::vector<partition_groups> parts(static_cast<std::size_t>(g.partitions));
  const auto partitions = static_cast<std::uint64_t>(g.partitions);
#pragma omp parallel num_threads(g.partitions)
  {
    const auto p = static_cast<std::size_t>(omp_get_thread_num());
    partition_groups& mine = parts[p];
    for (size_type r = 0; r < n; ++r) {
      const hash_type h = hashes[static_cast<std::size_t>(r)];
      if (partition_of(h, partitions) != p) continue;
      g.group_of_row[static_cast<std::size_t>(r)] = mine.template find_or_add<confirm>(keys, r, h);
    }
  }
  g.bounds.push_back(0);
  for (const partition_groups& p : parts) {
    g.first.insert(g.first.end(), p.first().begin(), p.first().end());
    g.bounds.push_back(static_cast<row_index>(g.first.size()));
  }
#pragma omp parallel for num_threads(g.partitions) schedule(static)
  for (size_type r = 0; r < n; ++r) {
    const hash_type h = hashes[static_cast<std::size_t>(r)];
    g.group_of_row[static_cast<std::size_t>(r)] += g.bounds[partition_of(h, partitions)];
  }
  return g;
}

/// Rows grouped by key. Hashes alone first, then each row's key compared
/// with its group's first row in one pass over the rows, whose reads of
/// other rows' keys are independent of each other and so overlap (where
/// the probing of a table compares them one at a time, waiting on each);
/// only where two keys share a hash are the rows grouped again, comparing
/// keys as they are placed.
hash_grouping group_rows(const row_keys& keys, size_type n, int threads) {
  std::vector<hash_type> hashes(static_cast<std::size_t>(n));
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_type r = 0; r < n; ++r) hashes[static_cast<std::size_t>(r)] = keys.hash(r);
  hash_grouping g = group_rows<false>(keys, hashes, n, threads);
  bool collided = false;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(|| : collided)
  for (size_type r = 0; r < n; ++r) {
    const row_index f = g.first[static_cast<std::size_t>(g.group_of_row[static_cast<std::size_t>(r)])];
    if (f != r && !keys.equal(f, r)) collided = true;
  }
  return collided ? group_rows<true>(keys, hashes, n, threads) : g;
}

/// Folds `fold(state[group], row)` over the rows, each partition's groups by
/// their own thread, rows in input order.
template <class State, class Fold>
std::vector<State> fold_groups(const hash_grouping& g, State init, Fold fold) {
  std::vector<State> states(g.first.size(), init);
  const auto n = static_cast<size_type>(g.group_of_row.size());
#pragma omp parallel num_threads(g.partitions)
  {
    const auto p = static_cast<std::size_t>(omp_get_thread_num());
    const row_index lo = g.bounds[p];
    const row_index hi = g.bounds[p + 1];
    for (size_type r = 0; r < n; ++r) {
      const row_index k = g.group_of_row[static_cast<std::size_t>(r)];
      if (k >= lo && k < hi) fold(states[static_cast<std::size_t>(k)], r);
    }
  }
  return states;
}

template <class A>
struct sum_state {
  A sum;
  std::int64_t valid;
};

/// A column of `out` from the groups' values and whether each has one.
template <class Out, class State, class Get>
column finish(const field& out, const std::vector<State>& states, Get get, stream_view s, memory_resource* mr) {
  const auto m = static_cast<size_type>(states.size());
  array<Out> values{m, s, mr};
  std::vector<bitmask_word> mask(static_cast<std::size_t>(bitmask_words(m)), 0);
  size_type nulls = 0;
  for (size_type k = 0; k < m; ++k) {
    const State& st = states[static_cast<std::size_t>(k)];
    values.data()[k] = get(st);
    if (st.valid > 0) {
      mask[static_cast<std::size_t>(k / 32)] |= bitmask_word{1} << (k % 32);
    } else {
      ++nulls;
    }
  }
  buffer d_mask{nulls > 0 ? mask.size() * sizeof(bitmask_word) : 0, s, mr};
  if (nulls > 0) std::copy(mask.begin(), mask.end(), static_cast<bitmask_word*>(d_mask.data()));
  return column{out.type, m, std::move(values).release(), std::move(d_mask), nulls, {}};
}

template <class T>
inline constexpr bool is_numeric_v =
    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>;
template <class T>
inline constexpr bool is_orderable_v = is_numeric_v<T> || std::is_same_v<T, timestamp_ms> || std::is_same_v<T, timestamp_ns>;

struct aggregate_fn {
  template <class T>
  column operator()(const aggregate_spec& a, const column_device_view& v, const hash_grouping& g, stream_view s,
                    memory_resource* mr) const {
    if constexpr (is_orderable_v<T>) {
      if (a.op == agg::kind::min || a.op == agg::kind::max) {
        const int sign = a.op == agg::kind::min ? -1 : 1;
        struct state {
          T value;
          std::int64_t valid;
        };
        const auto states = fold_groups(g, state{T{}, 0}, [&](state& st, size_type r) {
          if (!v.is_valid(r)) return;
          const T x = v.element<T>(r);
          if (st.valid == 0 || compare_values(x, st.value) * sign > 0) st.value = x;
          ++st.valid;
        });
        return finish<T>(a.output, states, [](const state& st) { return st.value; }, s, mr);
      }
      if constexpr (is_numeric_v<T>) {
        if (a.op == agg::kind::sum) {
          using A = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
          const auto states = fold_groups(g, sum_state<A>{A{0}, 0}, [&](sum_state<A>& st, size_type r) {
            if (!v.is_valid(r)) return;
            st.sum = wrapping_add(st.sum, static_cast<A>(v.element<T>(r)));
            ++st.valid;
          });
          return finish<A>(a.output, states, [](const sum_state<A>& st) { return st.sum; }, s, mr);
        }
        if (a.op == agg::kind::mean) {
          const auto states = fold_groups(g, sum_state<double>{0.0, 0}, [&](sum_state<double>& st, size_type r) {
            if (!v.is_valid(r)) return;
            st.sum += static_cast<double>(v.element<T>(r));
            ++st.valid;
          });
          return finish<double>(
              a.output, states,
              [](const sum_state<double>& st) { return st.valid > 0 ? st.sum / static_cast<double>(st.valid) : 0.0; },
              s, mr);
        }
      }
    }
    throw logic_error{"group_by: " + a.output.name + " does not take this type"};  // refused by the spec
  }
};

column count_groups(const aggregate_spec& a, const column_device_view* v, const hash_grouping& g, stream_view s,
                    memory_resource* mr) {
  struct state {
    std::int64_t count;
    std::int64_t valid;  // every group has a count
  };
  const auto states = fold_groups(g, state{0, 1}, [&](state& st, size_type r) {
    if (v == nullptr || v->is_valid(r)) ++st.count;
  });
  return finish<std::int64_t>(a.output, states, [](const state& st) { return st.count; }, s, mr);
}

}  // namespace

table group_by_hash(const table_view& input, const group_by_spec& spec, hash_function hf, stream_view s,
                    memory_resource* mr) {
  const size_type n = input.num_rows();
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(), "group_by: at most 2^31 - 1 rows per call");
  // No keys: one group, and for no rows the portable path's one row of
  // counts of 0 and nulls.
  if (spec.keys.empty() || n == 0) return group_by(input, spec, hf, s, mr);

  std::vector<column_view> key_columns;
  for (std::size_t k : spec.keys) key_columns.push_back(input.column(k));
  const device_columns keys{key_columns, s};
  const int threads = n < (size_type{1} << 15) ? 1 : omp_get_max_threads();
  const hash_grouping g = group_rows(row_keys{keys.view(), hf}, n, threads);

  std::vector<column> out;
  const array_view<row_index> first{g.first.data(), static_cast<size_type>(g.first.size()), backend::cpu};
  for (const column_view& k : key_columns) out.push_back(gather_column(k, first, s, mr));

  std::vector<column_view> value_columns;
  for (const aggregate_spec& a : spec.aggregates) {
    if (a.input >= 0) value_columns.push_back(input.column(static_cast<std::size_t>(a.input)));
  }
  const device_columns values{value_columns, s};
  int next = 0;
  for (const aggregate_spec& a : spec.aggregates) {
    if (a.input < 0) {
      out.push_back(count_groups(a, nullptr, g, s, mr));
      continue;
    }
    const column_device_view v = values.column(next++);
    if (a.op == agg::kind::count) {
      out.push_back(count_groups(a, &v, g, s, mr));
    } else {
      out.push_back(type_dispatcher(v.id, aggregate_fn{}, a, v, g, s, mr));
    }
  }
  return table{spec.output, std::move(out)};
}

}  // namespace gpustream::detail::cpu
