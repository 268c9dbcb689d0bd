#pragma once

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>

namespace gpustream {

/// Splits `text` into lines: spans into `text`'s bytes, without copying them.
/// A line ends at '\n'; a '\r' right before the '\n' is not part of the line
/// (CRLF). Bytes after the last '\n' form a last line; empty lines are kept.
/// Bytes are not interpreted otherwise (NUL and invalid UTF-8 pass through).
/// `text` must outlive the result. Throws gpustream::logic_error when `text`
/// is not in the memory of `s`'s backend or a line is 2 GiB or longer.
string_spans split_lines(array_view<char> text, stream_view s, memory_resource* mr = nullptr);

}  // namespace gpustream
