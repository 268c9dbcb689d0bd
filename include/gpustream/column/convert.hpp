#pragma once

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>

#include <cstdint>

namespace gpustream {

/// Spans over the strings of `strings` (start = offset, length = next offset
/// minus offset), without copying the characters: `strings` must outlive the
/// result. Throws gpustream::logic_error when `strings` is not in the memory
/// of `s`'s backend.
string_spans spans_of(string_column_view strings, stream_view s, memory_resource* mr = nullptr);

/// How many bytes of `text` equal `byte` (e.g. the lines of a batch of whole
/// lines: its '\n' bytes).
size_type count_bytes(array_view<char> text, char byte, stream_view s);

/// A column of `size` copies of `value`.
array<std::int64_t> constant_column(size_type size, std::int64_t value, stream_view s,
                                     memory_resource* mr = nullptr);

}  // namespace gpustream
