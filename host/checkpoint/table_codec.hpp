#pragma once

// Tables in checkpoints: the schema as text, then every column's buffers
// (validity words, values or chars, offsets, children in the schema's
// order). A reader is told the schema it expects and refuses another, naming
// the file and both schemas.

#include "file_format.hpp"

#include <gpustream/table/table.hpp>

namespace gpustream::detail {

/// Appends `t` (copied to the host first; synchronises `s`).
void write_table(byte_writer& w, const table_view& t, stream_view s);

/// Reads a table written by write_table into the memory of `s`'s backend.
/// Throws checkpoint_error naming the file when its schema is not
/// `expected` or its data is damaged.
table read_table(byte_reader& r, const schema& expected, stream_view s, memory_resource* mr = nullptr);

}  // namespace gpustream::detail
