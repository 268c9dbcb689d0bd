#pragma once

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>

namespace gpustream {

/// True for the bytes that separate tokens: space, \t, \n, \v, \f, \r.
GPUSTREAM_HOST_DEVICE constexpr bool is_token_separator(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

/// Splits every string of `lines` into tokens at runs of whitespace (see
/// is_token_separator), the flatMap of the word count. Tokens are spans into the
/// same chars, in order; no token crosses a string's end. `lines` must be sorted
/// by start and not overlap (as split_lines and filter_containing give them);
/// otherwise gpustream::logic_error. Cost: a few passes over the bytes between
/// the first and the last line.
string_spans tokenize(string_spans_view lines, stream_view s, memory_resource* mr = nullptr);

/// Tokenizes a whole text buffer at once: the same tokens as
/// tokenize(split_lines(text)), since '\n' and '\r' are separators, in fewer
/// passes.
string_spans tokenize_text(array_view<char> text, stream_view s, memory_resource* mr = nullptr);

}  // namespace gpustream
