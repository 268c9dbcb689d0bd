#pragma once

#include "stream_command.hpp"

#include <string>

namespace gpustream::app {

struct grep_options : stream_command_options {
  std::string pattern;  // the byte string a line must contain; empty: every line
  bool count = false;   // each batch's number of matching lines instead of the lines
};

/// Streaming grep, the D-Streams paper's: lines.filter(contains{pattern})
/// every batch (with `count`, its count()), until SIGINT/SIGTERM or the
/// duration ends. Returns the process exit code; throws std::invalid_argument
/// for a pattern with a newline (no line has one), and as run_wordcount does.
int run_grep(const grep_options& options);

}  // namespace gpustream::app
