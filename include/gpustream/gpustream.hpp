#pragma once

/// Everything public in one include.

#include <gpustream/config.hpp>

#include <gpustream/core/backend.hpp>
#include <gpustream/core/data_type.hpp>
#include <gpustream/core/duration.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/core/host_device.hpp>
#include <gpustream/core/stream.hpp>
#include <gpustream/core/type_dispatcher.hpp>
#include <gpustream/core/types.hpp>

#include <gpustream/memory/buffer.hpp>
#include <gpustream/memory/memory_resource.hpp>
#include <gpustream/memory/array.hpp>
#include <gpustream/memory/pinned_pool.hpp>

#include <gpustream/column/column.hpp>
#include <gpustream/column/column_device_view.hpp>
#include <gpustream/column/concatenate.hpp>
#include <gpustream/column/convert.hpp>
#include <gpustream/column/gather.hpp>
#include <gpustream/column/string_column.hpp>

#include <gpustream/table/host_column.hpp>
#include <gpustream/table/record.hpp>
#include <gpustream/table/records.hpp>
#include <gpustream/table/schema.hpp>
#include <gpustream/table/table.hpp>

#include <gpustream/text/filter.hpp>
#include <gpustream/text/hash.hpp>
#include <gpustream/text/split_lines.hpp>
#include <gpustream/text/tokenize.hpp>

#include <gpustream/aggregate/group_by.hpp>
#include <gpustream/aggregate/reduce_by_int_key.hpp>
#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/aggregate/top_k.hpp>

#include <gpustream/join/join.hpp>

#include <gpustream/streaming/dstream.hpp>
#include <gpustream/streaming/listener.hpp>
#include <gpustream/streaming/streaming_context.hpp>
