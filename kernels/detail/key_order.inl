#pragma once

// order_keys: rows in an order that brings equal string keys together, shared
// by the sort-based grouping operators (reduce_by_key, join, cogroup).
// Included by operator sources; compiled once per backend with them.

#include "detail/common.hpp"

#include <gpustream/text/hash.hpp>

#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include <cuda/atomic>

#include <cstdint>
#include <limits>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

/// A row number of the grouping operators: at most 2^31 - 1 rows per call.
using row_index = std::int32_t;

/// Rows ordered by key: by hash, equal hashes confirmed by bytes, so that the
/// rows of one key are adjacent and in input order.
struct key_order {
  array<hash_type> hash;   // hash of the key at each position
  array<row_index> order;  // the row at each position
  array<row_index> group;  // 1-based number of the key at each position
  size_type groups = 0;     // distinct keys
};

/// The keys that order_keys orders: string keys, one per row, of a view
/// with element(i) -> string_ref. Any type with the same three members
/// (row keys of several columns among them) may take its place.
template <class KeyView>
struct string_keys {
  KeyView kv;
  hash_function hf;
  GPUSTREAM_HOST_DEVICE hash_type hash(size_type i) const { return hash_string(kv.element(i), hf); }
  GPUSTREAM_HOST_DEVICE bool equal(size_type a, size_type b) const { return bytes_equal(kv.element(a), kv.element(b)); }
  GPUSTREAM_HOST_DEVICE int compare(size_type a, size_type b) const {
    return bytes_compare(kv.element(a), kv.element(b));
  }
};

/// Within the runs of equal hash marked in `d_bad` (runs whose keys are
/// not all equal: collisions), reorders `d_order` so that equal keys are
/// adjacent, ordered by compare, rows of one key in input order. `d_run` is
/// each position's run, numbered from 1; rows of other runs do not move.
template <class Keys>
void order_colliding_runs(Keys keys, const row_index* d_run, const unsigned int* d_bad, row_index* d_order,
                          size_type n, stream_view s) {
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  auto in_bad_run = [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_bad[d_run[i] - 1] != 0; };
  const size_type m = thrust::count_if(pol, first, first + n, in_bad_run);
  array<row_index> pos{m, s};
  row_index* d_pos = pos.data();
  thrust::copy_if(pol, first, first + n, d_pos, in_bad_run);

  array<row_index> local{m, s};
  row_index* d_local = local.data();
  thrust::sequence(pol, d_local, d_local + m);
  thrust::sort(pol, d_local, d_local + m,
               [=] GPUSTREAM_HOST_DEVICE(row_index a, row_index b) {
                 const row_index ra = d_run[d_pos[a]];
                 const row_index rb = d_run[d_pos[b]];
                 if (ra != rb) return ra < rb;
                 const row_index ia = d_order[d_pos[a]];
                 const row_index ib = d_order[d_pos[b]];
                 const int c = keys.compare(ia, ib);
                 return c != 0 ? c < 0 : ia < ib;
               });
  array<row_index> reordered{m, s};
  row_index* d_reordered = reordered.data();
  thrust::transform(pol, d_local, d_local + m, d_reordered,
                    [=] GPUSTREAM_HOST_DEVICE(row_index j) { return d_order[d_pos[j]]; });
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), m,
                     [=] GPUSTREAM_HOST_DEVICE(size_type j) { d_order[d_pos[j]] = d_reordered[j]; });
}

/// Orders the `n` (> 0) rows of `keys` (string_keys, or anything with its
/// members) by (hash, compare), rows of one key in input order, and numbers
/// the distinct keys. Each row's key is compared once, with that of the first
/// row of its hash; only runs of equal hash with a collision pay for more.
/// Throws gpustream::logic_error, starting with `what`, past 2^31 - 1 rows.
template <class Keys>
key_order order_keys(Keys keys, size_type n, const char* what, stream_view s) {
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(),
                    std::string{what} + ": at most 2^31 - 1 rows per call");
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  key_order k{array<hash_type>{n, s}, array<row_index>{n, s}, array<row_index>{n, s}};
  hash_type* d_hash = k.hash.data();
  thrust::transform(pol, first, first + n, d_hash, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return keys.hash(i);
  });
  row_index* d_order = k.order.data();
  thrust::sequence(pol, d_order, d_order + n);
  thrust::stable_sort_by_key(pol, d_hash, d_hash + n, d_order);

  // Runs of equal hash, numbered from 1 in sorted order.
  row_index* d_group = k.group.data();
  auto starts_run = [=] GPUSTREAM_HOST_DEVICE(size_type i) { return i == 0 || d_hash[i] != d_hash[i - 1]; };
  auto hash_head = thrust::make_transform_iterator(
      first, [=] GPUSTREAM_HOST_DEVICE(size_type i) { return static_cast<row_index>(starts_run(i)); });
  thrust::inclusive_scan(pol, hash_head, hash_head + n, d_group);
  const size_type runs = read_value(d_group + n - 1, s);

  // Confirm every row by bytes against its run's first row, in input order:
  // each row's own bytes are read in the order they lie in the text, and the
  // first rows, one per distinct key, are few and stay in cache. (In sorted
  // order every row's bytes would be a read from anywhere in the text.)
  array<row_index> first_row{runs, s};
  row_index* d_first_row = first_row.data();
  thrust::copy_if(pol, d_order, d_order + n, first, d_first_row, starts_run);
  array<row_index> run_of_row{n, s};
  row_index* d_run_of_row = run_of_row.data();
  thrust::for_each_n(pol, first, n, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    d_run_of_row[d_order[i]] = d_group[i] - 1;
  });
  const auto differs_from_first = [=] GPUSTREAM_HOST_DEVICE(size_type r) {
    const row_index f = d_first_row[d_run_of_row[r]];
    return f != r && !keys.equal(r, f);
  };
  const size_type collisions = thrust::count_if(pol, first, first + n, differs_from_first);
  if (collisions > 0) {
    // Equal hashes of different strings: mark those runs, order them by
    // bytes, then number the keys again, comparing bytes only in them.
    array<unsigned int> bad{runs, s};
    unsigned int* d_bad = bad.data();
    thrust::fill(pol, d_bad, d_bad + runs, 0u);
    thrust::for_each_n(pol, first, n, [=] GPUSTREAM_HOST_DEVICE(size_type r) {
      if (differs_from_first(r)) {
        ::cuda::atomic_ref<unsigned int, ::cuda::thread_scope_device>{d_bad[d_run_of_row[r]]}.store(
            1, ::cuda::std::memory_order_relaxed);
      }
    });
    order_colliding_runs(keys, d_group, d_bad, d_order, n, s);
    // A row keeps its run when its run is reordered, so d_run_of_row still
    // holds; d_group is rewritten by the scan below and is not read by it.
    auto head = thrust::make_transform_iterator(first, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
      if (i == 0 || d_hash[i] != d_hash[i - 1]) return row_index{1};
      const row_index r = d_order[i];
      return static_cast<row_index>(d_bad[d_run_of_row[r]] != 0 &&
                                    !keys.equal(r, d_order[i - 1]));
    });
    thrust::inclusive_scan(pol, head, head + n, d_group);
  }
  k.groups = read_value(d_group + n - 1, s);
  return k;
}

/// order_keys over the string keys of `kv` hashed by `hf`.
template <class KeyView>
key_order order_keys(KeyView kv, size_type n, hash_function hf, const char* what, stream_view s) {
  return order_keys(string_keys<KeyView>{kv, hf}, n, what, s);
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
