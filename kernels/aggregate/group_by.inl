// group_by over tables, written once for both backends: rows ordered by the
// hash of their key columns (order_keys: equal hashes confirmed by the keys
// themselves), then one segmented reduction per aggregation, chosen by the
// type dispatcher over the aggregated field's type.

#include "aggregate/group_by_spec.hpp"
#include "detail/common.hpp"
#include "detail/key_order.inl"
#include "detail/operators.hpp"
#include "detail/row_keys.hpp"

#include <gpustream/column/column_device_view.hpp>
#include <gpustream/column/gather.hpp>
#include <gpustream/core/arithmetic.hpp>
#include <gpustream/core/type_dispatcher.hpp>
#include <gpustream/table/host_column.hpp>

#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/fill.h>
#include <thrust/functional.h>
#include <thrust/iterator/constant_iterator.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/tabulate.h>
#include <thrust/transform.h>

#include <cstdint>
#include <type_traits>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

/// The rows in key order and each position's group, numbered from 1.
struct grouping {
  array<row_index> order;
  array<row_index> group;
  size_type groups = 0;
};

template <class T>
struct extreme_state {
  T value;
  std::int64_t valid;
};

/// The validity bitmap of m groups from their counts of valid values (a
/// group without one is null); empty where none is null.
buffer mask_of_counts(const std::int64_t* d_valid, size_type m, size_type& nulls, stream_view s, memory_resource* mr) {
  auto pol = policy(s);
  nulls = thrust::count(pol, d_valid, d_valid + m, std::int64_t{0});
  if (nulls == 0) return buffer{0, s, mr};
  const size_type words = bitmask_words(m);
  buffer out{static_cast<std::size_t>(words) * sizeof(bitmask_word), s, mr};
  auto* d_out = static_cast<bitmask_word*>(out.data());
  thrust::tabulate(pol, d_out, d_out + words, [=] GPUSTREAM_HOST_DEVICE(size_type w) {
    bitmask_word bits = 0;
    for (int b = 0; b < 32; ++b) {
      const size_type g = w * 32 + b;
      if (g < m && d_valid[g] > 0) bits |= bitmask_word{1} << b;
    }
    return bits;
  });
  return out;
}

/// Reduces the state `in(i)` of each position i < n into one per group.
template <class State, class In, class Op>
array<State> reduce_groups(const grouping& g, size_type n, In in, Op op, stream_view s) {
  array<State> out{g.groups, s};
  if (n > 0) {
    auto values = thrust::make_transform_iterator(thrust::counting_iterator<size_type>(0), in);
    thrust::reduce_by_key(policy(s), g.group.data(), g.group.data() + n, values, thrust::make_discard_iterator(),
                          out.data(), thrust::equal_to<row_index>{}, op);
  }
  return out;
}


/// The values of the states, a column of `out` with nulls where no value was valid.
template <class Out, class State, class Get>
column finish(const field& out, const array<State>& states, Get get, stream_view s, memory_resource* mr) {
  const size_type m = states.size();
  auto pol = policy(s);
  const State* d_states = states.data();
  array<Out> values{m, s, mr};
  array<std::int64_t> valid{m, s};
  std::int64_t* d_valid = valid.data();
  if (m > 0) {
    thrust::transform(pol, d_states, d_states + m, values.data(), get);
    thrust::transform(pol, d_states, d_states + m, d_valid,
                      [] GPUSTREAM_HOST_DEVICE(const State& st) { return st.valid; });
  }
  size_type nulls = 0;
  buffer mask = m > 0 ? mask_of_counts(d_valid, m, nulls, s, mr) : buffer{0, s, mr};
  return column{out.type, m, std::move(values).release(), std::move(mask), nulls, {}};
}

template <class T>
column aggregate_sum(const column_device_view v, const row_index* d_order, const grouping& g, size_type n,
                     const field& out, stream_view s, memory_resource* mr) {
  using A = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
  using S = sum_state<A>;
  auto in = [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    const row_index r = d_order[i];
    return v.is_valid(r) ? S{static_cast<A>(v.element<T>(r)), 1} : S{A{0}, 0};
  };
  auto op = [] GPUSTREAM_HOST_DEVICE(const S& a, const S& b) { return S{wrapping_add(a.sum, b.sum), a.valid + b.valid}; };
  const array<S> states = reduce_groups<S>(g, n, in, op, s);
  return finish<A>(out, states, [] GPUSTREAM_HOST_DEVICE(const S& st) { return st.sum; }, s, mr);
}

template <class T>
column aggregate_mean(const column_device_view v, const row_index* d_order, const grouping& g, size_type n,
                      const field& out, stream_view s, memory_resource* mr) {
  using S = sum_state<double>;
  auto in = [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    const row_index r = d_order[i];
    return v.is_valid(r) ? S{static_cast<double>(v.element<T>(r)), 1} : S{0.0, 0};
  };
  auto op = [] GPUSTREAM_HOST_DEVICE(const S& a, const S& b) { return S{a.sum + b.sum, a.valid + b.valid}; };
  const array<S> states = reduce_groups<S>(g, n, in, op, s);
  return finish<double>(
      out, states,
      [] GPUSTREAM_HOST_DEVICE(const S& st) { return st.valid > 0 ? st.sum / static_cast<double>(st.valid) : 0.0; }, s,
      mr);
}

/// min (`sign` -1) or max (`sign` 1).
template <class T>
column aggregate_extreme(const column_device_view v, const row_index* d_order, const grouping& g, size_type n,
                         int sign, const field& out, stream_view s, memory_resource* mr) {
  using S = extreme_state<T>;
  auto in = [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    const row_index r = d_order[i];
    return v.is_valid(r) ? S{v.element<T>(r), 1} : S{T{}, 0};
  };
  auto op = [=] GPUSTREAM_HOST_DEVICE(const S& a, const S& b) {
    if (a.valid == 0) return S{b.value, b.valid};
    if (b.valid == 0) return S{a.value, a.valid};
    const bool take_b = compare_values(b.value, a.value) * sign > 0;
    return S{take_b ? b.value : a.value, a.valid + b.valid};
  };
  const array<S> states = reduce_groups<S>(g, n, in, op, s);
  return finish<T>(out, states, [] GPUSTREAM_HOST_DEVICE(const S& st) { return st.value; }, s, mr);
}

column aggregate_count(const column_device_view* v, const row_index* d_order, const grouping& g, size_type n,
                       const field& out, stream_view s, memory_resource* mr) {
  array<std::int64_t> counts{g.groups, s, mr};
  if (n > 0) {
    auto pol = policy(s);
    if (v == nullptr) {
      thrust::reduce_by_key(pol, g.group.data(), g.group.data() + n, thrust::make_constant_iterator(std::int64_t{1}),
                            thrust::make_discard_iterator(), counts.data());
    } else {
      const column_device_view c = *v;
      auto valid = thrust::make_transform_iterator(
          thrust::counting_iterator<size_type>(0),
          [=] GPUSTREAM_HOST_DEVICE(size_type i) { return static_cast<std::int64_t>(c.is_valid(d_order[i])); });
      thrust::reduce_by_key(pol, g.group.data(), g.group.data() + n, valid, thrust::make_discard_iterator(),
                            counts.data());
    }
  }
  return column{out.type, g.groups, std::move(counts).release(), buffer{0, s, mr}, 0, {}};
}

/// One aggregation over a value column, by the column's type.
struct aggregate_fn {
  template <class T>
  column operator()(const aggregate_spec& a, const column_device_view& v, const row_index* d_order,
                    const grouping& g, size_type n, stream_view s, memory_resource* mr) const {
    if constexpr (is_orderable_v<T>) {
      switch (a.op) {
        case agg::kind::min: return aggregate_extreme<T>(v, d_order, g, n, -1, a.output, s, mr);
        case agg::kind::max: return aggregate_extreme<T>(v, d_order, g, n, 1, a.output, s, mr);
        case agg::kind::sum:
          if constexpr (is_summable_v<T>) return aggregate_sum<T>(v, d_order, g, n, a.output, s, mr);
          break;
        case agg::kind::mean:
          if constexpr (is_summable_v<T>) return aggregate_mean<T>(v, d_order, g, n, a.output, s, mr);
          break;
        default: break;
      }
    }
    throw logic_error{"group_by: " + a.output.name + " does not take this type"};  // refused by the spec
  }
};

/// The one row of a group_by without keys over no rows: counts of 0, other
/// aggregates null.
table no_rows_no_keys(const group_by_spec& spec, stream_view s, memory_resource* mr) {
  host_table h{spec.output, {}, 1};
  for (const aggregate_spec& a : spec.aggregates) {
    host_column c{a.output.type};
    if (a.op == agg::kind::count_rows || a.op == agg::kind::count) {
      const std::int64_t zero = 0;
      c.append_fixed(&zero, sizeof zero);
    } else {
      c.append_null();
    }
    h.columns.push_back(std::move(c));
  }
  return gpustream::to_table(h, s, mr);
}

}  // namespace

table group_by(const table_view& input, const group_by_spec& spec, hash_function hf, stream_view s,
               memory_resource* mr) {
  const size_type n = input.num_rows();
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(), "group_by: at most 2^31 - 1 rows per call");
  if (spec.keys.empty() && n == 0) return no_rows_no_keys(spec, s, mr);
  auto pol = policy(s);

  std::vector<column_view> key_columns;
  for (std::size_t k : spec.keys) key_columns.push_back(input.column(k));
  grouping g;
  if (n == 0) {
    g = grouping{array<row_index>{0, s}, array<row_index>{0, s}, 0};
  } else if (spec.keys.empty()) {
    g = grouping{array<row_index>{n, s}, array<row_index>{n, s}, 1};
    thrust::sequence(pol, g.order.data(), g.order.data() + n);
    thrust::fill(pol, g.group.data(), g.group.data() + n, row_index{1});
  } else {
    const device_columns keys{key_columns, s};
    key_order k = order_keys(row_keys{keys.view(), hf}, n, "group_by", s);
    g = grouping{std::move(k.order), std::move(k.group), k.groups};
  }
  const row_index* d_order = g.order.data();
  const row_index* d_group = g.group.data();

  std::vector<column> out;
  // Each group's first row in input order: the first of its positions.
  array<row_index> first{g.groups, s};
  if (n > 0) {
    thrust::counting_iterator<size_type> pos(0);
    thrust::copy_if(pol, d_order, d_order + n, pos, first.data(),
                    [=] GPUSTREAM_HOST_DEVICE(size_type i) { return i == 0 || d_group[i] != d_group[i - 1]; });
  }
  for (const column_view& k : key_columns) out.push_back(gather_column(k, first.view(), s, mr));

  std::vector<column_view> value_columns;
  for (const aggregate_spec& a : spec.aggregates) {
    if (a.input >= 0) value_columns.push_back(input.column(static_cast<std::size_t>(a.input)));
  }
  const device_columns values{value_columns, s};
  int next = 0;
  for (const aggregate_spec& a : spec.aggregates) {
    if (a.input < 0) {
      out.push_back(aggregate_count(nullptr, d_order, g, n, a.output, s, mr));
      continue;
    }
    const column_device_view v = values.column(next++);
    if (a.op == agg::kind::count) {
      out.push_back(aggregate_count(&v, d_order, g, n, a.output, s, mr));
    } else {
      out.push_back(type_dispatcher(v.id, aggregate_fn{}, a, v, d_order, g, n, s, mr));
    }
  }
  return table{spec.output, std::move(out)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
