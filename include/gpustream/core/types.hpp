#pragma once

#include <cstdint>

namespace gpustream {

/// Row counts and byte offsets. 64-bit so that one batch may exceed 2 GiB.
using size_type = std::int64_t;
/// Byte offset into a chars buffer.
using offset_type = std::int64_t;
/// Length of one string; a single record is limited to 2 GiB - 1.
using length_type = std::int32_t;
/// 64-bit hash of a string.
using hash_type = std::uint64_t;

}  // namespace gpustream
