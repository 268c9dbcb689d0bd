#pragma once

#include "stream_command.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>

namespace gpustream::app {

struct wordcount_options : stream_command_options {
  reduce_algorithm algorithm = reduce_algorithm::automatic;  // how words are grouped
};

/// Streaming word count: lines.flat_map(split_words).map(pair_with_one)
/// .reduce_by_key(), every batch, until SIGINT/SIGTERM or the duration ends.
/// Returns the process exit code; throws for a bad configuration found when
/// the graph is built (gpustream::logic_error) and for a failure that stopped
/// the context.
int run_wordcount(const wordcount_options& options);

}  // namespace gpustream::app
