#pragma once

#include <gpustream/column/string_column.hpp>

#include <string_view>

namespace gpustream {

/// Keeps the strings of `lines` that contain `needle` as a byte string (the
/// grep of a log stream), in order. An empty needle keeps every line.
/// The result spans the same chars as `lines`.
string_spans filter_containing(string_spans_view lines, std::string_view needle, stream_view s,
                               memory_resource* mr = nullptr);

}  // namespace gpustream
