#pragma once

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/text/hash.hpp>

#include <cstdint>

namespace gpustream {

/// The built-in associative reductions of values (integers or doubles).
enum class aggregation { sum, count, min, max };

/// How reduce_by_key groups keys. `automatic` picks the fastest available path
/// for the backend; `sort` is the portable path (sort by hash, confirm bytes);
/// `hash` asks for the hash-table path where the backend has one (the CPU
/// backend does; on the CUDA backend word_count has one, word_count_table,
/// which is also its `automatic` path, and so has reduce_by_key over string
/// keys with integer values: each row found or claimed in one table by its
/// key's bytes and its value combined there by one atomic operation; where
/// the table fills, and for double values, whose sums depend on their order,
/// it falls back to `sort`). On CUDA, reduce_by_key's `automatic` is `sort`:
/// its table's atomics on a frequent key's one row serialize, and it ran
/// slower than the sort on Zipf-distributed words. All give identical results.
enum class reduce_algorithm { automatic, sort, hash };

/// Distinct string keys with one 64-bit integer value each (the result of a
/// reduction). Rows are ordered by (hash of the key, key bytes), the same on
/// every backend and algorithm.
struct key_value_table {
  string_column keys;
  array<std::int64_t> values;
  size_type size() const noexcept { return keys.size(); }
};

/// Distinct string keys with one double value each (reduce_by_key over
/// floating-point values), ordered as key_value_table's rows.
struct key_double_table {
  string_column keys;
  array<double> values;
  size_type size() const noexcept { return keys.size(); }
};

struct reduce_options {
  aggregation agg = aggregation::sum;
  hash_function hash = hash_function::mix64;
  reduce_algorithm algorithm = reduce_algorithm::automatic;
};

/// Groups `values` by the string in `keys` at the same row and reduces each
/// group with `options.agg` (`count` ignores the values). A sum that
/// overflows wraps around modulo 2^64, as a Spark (JVM long) sum does
/// (wrapping_add, gpustream/core/arithmetic.hpp), on every path. Two different
/// strings are never merged, even when their hashes are equal: equal hashes
/// are confirmed by comparing bytes. Throws gpustream::logic_error when the
/// sizes differ or the inputs are not in `s`'s backend memory.
key_value_table reduce_by_key(string_spans_view keys, array_view<std::int64_t> values,
                              reduce_options options, stream_view s,
                              memory_resource* mr = nullptr);

/// reduce_by_key over double values, by the same paths as the integer form
/// (`options.algorithm`: on the CPU backend the hash path unless `sort` is
/// asked for; the sort path on CUDA). `count` gives the number of rows of
/// each key as a double; a sum adds in the path's order, so its rounding may
/// differ from a sequential sum's and between paths. Throws as the integer
/// form.
key_double_table reduce_by_key(string_spans_view keys, array_view<double> values, reduce_options options,
                               stream_view s, memory_resource* mr = nullptr);

/// reduce_by_key with a count of each distinct key (no value column needed).
key_value_table count_by_key(string_spans_view keys, stream_view s, memory_resource* mr = nullptr,
                             hash_function hash = hash_function::mix64,
                             reduce_algorithm algorithm = reduce_algorithm::automatic);

/// The word count: tokenizes `text` on whitespace and counts each distinct
/// token, fused where the backend allows it (tokenize_text + count_by_key).
/// On the CUDA backend, reduce_algorithm::automatic and ::hash are
/// word_count_table; ::sort tokenizes, then sorts the tokens' hashes.
key_value_table word_count(array_view<char> text, stream_view s, memory_resource* mr = nullptr,
                           reduce_algorithm algorithm = reduce_algorithm::automatic);

/// How word_count_table's kernel meets the tokens it finds.
///  - `per_thread`: each thread counts the tokens of its own 256 bytes of text
///    as it finds them, first in a table that its thread block shares.
///  - `per_warp`: a warp's 32 threads count their tokens together, one token
///    of each a round, so that they run the table code in step; the tokens of
///    a round with the same key are counted as one, first in a table of the
///    warp's own. On the CPU backend it runs emulated, lane by lane, with the
///    warp's collectives and shared-memory accesses checked (as
///    compute-sanitizer's racecheck would): for testing the CUDA kernel's
///    logic; it is far slower than the CPU's own paths.
///  - `automatic`: `per_thread`, the one measured so far, unless the
///    environment variable GPUSTREAM_TABLE_KERNEL names the other (per_warp;
///    any other value than the two is a gpustream::logic_error).
/// Both give the same result.
enum class table_kernel { automatic, per_thread, per_warp };

/// The word count in one pass over the text into a hash table in backend
/// memory, on either backend: each token is hashed where it is found and
/// counted in its key's slot (claimed by compare-and-swap, confirmed by bytes,
/// so distinct keys never share one); no list of tokens is written. The text
/// is read in aligned 8-byte words, and a token shorter than 16 bytes is
/// hashed and compared as two words. Each block of 64 KiB of text counts its
/// frequent keys in a small table of its own first (shared memory on CUDA). The
/// table has up to `max_slots` slots (a power of two from 16 to 2^31), one per 8
/// bytes of text, of 32 bytes each (128 MiB for the default's 2^22, reached
/// at 32 MiB of text); when its keys would fill more than 3/4 of them, or a token
/// reaches 16 MiB, the count is made by the sort path instead. `slot_hash`
/// places keys in the table (the result's order does not depend on it);
/// `kernel` chooses how tokens reach it (table_kernel). Gives
/// word_count's table. Throws gpustream::logic_error for a bad `max_slots` or
/// text in another backend's memory.
key_value_table word_count_table(array_view<char> text, stream_view s, memory_resource* mr = nullptr,
                                 size_type max_slots = size_type{1} << 22,
                                 hash_function slot_hash = hash_function::mix64,
                                 table_kernel kernel = table_kernel::automatic);

}  // namespace gpustream
