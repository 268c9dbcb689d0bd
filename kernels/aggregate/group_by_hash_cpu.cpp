// The CPU backend's hash path for group_by, with no sort: each OpenMP thread
// groups a contiguous chunk of the rows in a table of its own (a key seen
// often stays in its cache), folds each aggregation over its chunk into
// states of its own groups, and the chunks' groups are then merged, in
// chunk order, into one table, their states combined. Groups come in the
// order of their first rows. Results are the portable path's but for the
// order of rows (group_by states none) and the rounding of sums of doubles.

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

/// Groups of keys: an open-addressing table of (hash, group id), each
/// group's first row and hash.
class key_groups {
 public:
  explicit key_groups(std::size_t slots = 1024) : slots_(slots, slot{0, no_group}), mask_{slots - 1} {}

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
        hash_.push_back(h);
        return fresh;
      }
      if (e.hash == h && (!confirm || keys.equal(first_[static_cast<std::size_t>(e.group)], r))) return e.group;
      i = (i + 1) & mask_;
    }
  }
  const std::vector<row_index>& first() const noexcept { return first_; }
  const std::vector<hash_type>& hashes() const noexcept { return hash_; }

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
  std::vector<hash_type> hash_;
};

/// One thread's rows [begin, end): each row's group among the chunk's own,
/// and each of those groups' global number.
struct chunk_groups {
  size_type begin = 0;
  size_type end = 0;
  std::vector<row_index> group;      // of row begin + i
  std::vector<row_index> to_global;  // of local group l
};

struct hash_grouping {
  std::vector<chunk_groups> chunks;
  std::vector<row_index> first;  // each global group's first row
};

/// Groups the rows of one chunk: by hash alone, then every row's key
/// compared with its group's first row in one pass whose reads of other
/// rows' keys are independent and overlap; only where two keys share a hash
/// are the rows grouped again comparing keys as they are placed.
key_groups group_chunk(const row_keys& keys, chunk_groups& c) {
  const auto n = static_cast<std::size_t>(c.end - c.begin);
  c.group.resize(n);
  std::vector<hash_type> hashes(n);
  for (std::size_t i = 0; i < n; ++i) hashes[i] = keys.hash(c.begin + static_cast<size_type>(i));
  key_groups g;
  for (std::size_t i = 0; i < n; ++i) c.group[i] = g.find_or_add<false>(keys, c.begin + static_cast<size_type>(i), hashes[i]);
  bool collided = false;
  for (std::size_t i = 0; i < n && !collided; ++i) {
    const auto r = c.begin + static_cast<size_type>(i);
    const row_index f = g.first()[static_cast<std::size_t>(c.group[i])];
    collided = f != r && !keys.equal(f, r);
  }
  if (!collided) return g;
  key_groups confirmed;
  for (std::size_t i = 0; i < n; ++i) {
    c.group[i] = confirmed.find_or_add<true>(keys, c.begin + static_cast<size_type>(i), hashes[i]);
  }
  return confirmed;
}

hash_grouping group_rows(const row_keys& keys, size_type n, int threads) {
  hash_grouping g;
  g.chunks.resize(static_cast<std::size_t>(threads));
  std::vector<key_groups> local(static_cast<std::size_t>(threads));
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    chunk_groups& c = g.chunks[static_cast<std::size_t>(t)];
    c.begin = n * t / threads;
    c.end = n * (t + 1) / threads;
    local[static_cast<std::size_t>(t)] = group_chunk(keys, c);
  }
  // The chunks' groups into one table, in chunk order: a key's first row is
  // its first in the input.
  key_groups global;
  for (std::size_t t = 0; t < g.chunks.size(); ++t) {
    const key_groups& l = local[t];
    auto& to_global = g.chunks[t].to_global;
    to_global.resize(l.first().size());
    for (std::size_t k = 0; k < to_global.size(); ++k) {
      to_global[k] = global.find_or_add<true>(keys, l.first()[k], l.hashes()[k]);
    }
  }
  g.first = global.first();
  return g;
}

/// Folds `fold(state, row)` over each chunk's rows into its groups' states,
/// then combines them with `merge(into, from)` into one state per group.
template <class State, class Fold, class Merge>
std::vector<State> aggregate_groups(const hash_grouping& g, State init, Fold fold, Merge merge) {
  std::vector<std::vector<State>> local(g.chunks.size());
#pragma omp parallel for num_threads(static_cast<int>(g.chunks.size())) schedule(static, 1)
  for (std::size_t t = 0; t < g.chunks.size(); ++t) {
    const chunk_groups& c = g.chunks[t];
    std::vector<State>& states = local[t];
    states.assign(c.to_global.size(), init);
    for (std::size_t i = 0; i < c.group.size(); ++i) {
      fold(states[static_cast<std::size_t>(c.group[i])], c.begin + static_cast<size_type>(i));
    }
  }
  std::vector<State> out(g.first.size(), init);
  for (std::size_t t = 0; t < g.chunks.size(); ++t) {
    const auto& to_global = g.chunks[t].to_global;
    for (std::size_t k = 0; k < to_global.size(); ++k) merge(out[static_cast<std::size_t>(to_global[k])], local[t][k]);
  }
  return out;
}

template <class A>
void merge_sums(sum_state<A>& into, const sum_state<A>& from) {
  into.sum = wrapping_add(into.sum, from.sum);
  into.valid += from.valid;
}

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
        auto take = [sign](state& st, T x, std::int64_t valid) {
          if (st.valid == 0 || compare_values(x, st.value) * sign > 0) st.value = x;
          st.valid += valid;
        };
        const auto states = aggregate_groups(
            g, state{T{}, 0},
            [&](state& st, size_type r) {
              if (v.is_valid(r)) take(st, v.element<T>(r), 1);
            },
            [&](state& into, const state& from) {
              if (from.valid > 0) take(into, from.value, from.valid);
            });
        return finish<T>(a.output, states, [](const state& st) { return st.value; }, s, mr);
      }
      if constexpr (is_summable_v<T>) {
        if (a.op == agg::kind::sum) {
          using A = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
          const auto states = aggregate_groups(
              g, sum_state<A>{A{0}, 0},
              [&](sum_state<A>& st, size_type r) {
                if (!v.is_valid(r)) return;
                st.sum = wrapping_add(st.sum, static_cast<A>(v.element<T>(r)));
                ++st.valid;
              },
              merge_sums<A>);
          return finish<A>(a.output, states, [](const sum_state<A>& st) { return st.sum; }, s, mr);
        }
        if (a.op == agg::kind::mean) {
          const auto states = aggregate_groups(
              g, sum_state<double>{0.0, 0},
              [&](sum_state<double>& st, size_type r) {
                if (!v.is_valid(r)) return;
                st.sum += static_cast<double>(v.element<T>(r));
                ++st.valid;
              },
              merge_sums<double>);
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
  const auto states = aggregate_groups(
      g, state{0, 1},
      [&](state& st, size_type r) {
        if (v == nullptr || v->is_valid(r)) ++st.count;
      },
      [](state& into, const state& from) { into.count += from.count; });
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
