#pragma once

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/core/backend.hpp>
#include <gpustream/sources/text_generator.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpustream::app {

/// Where `gpustream wordcount` reads its lines.
struct source_spec {
  enum class kind { socket, directory, generator };
  kind type = kind::generator;
  std::string host;        // socket
  std::uint16_t port = 0;  // socket
  std::string directory;   // directory
  bool read_existing = false;  // directory: the files there at the first start too
  std::string file_pattern;    // directory: a shell pattern names must match; empty: all
  generated_text text = generated_text::words;  // generator
};

/// Where `gpustream wordcount` writes each batch's counts.
struct output_spec {
  enum class kind { print, text, json };
  kind type = kind::print;
  std::string target;  // text: the prefix; json: a file, or "-" for stdout
};

struct wordcount_options {
  source_spec source;
  std::chrono::milliseconds batch_interval{1000};
  backend requested = backend::automatic;
  output_spec output;
  std::size_t top = 10;
  std::optional<std::chrono::milliseconds> duration;
  double rate_mib = 8;
  bool quiet = false;
  std::string checkpoint;  // directory; empty: no checkpoints
  std::chrono::milliseconds checkpoint_interval{0};
  bool write_ahead_log = false;
  reduce_algorithm algorithm = reduce_algorithm::automatic;  // how words are grouped
};

/// "socket:HOST:PORT", "HOST:PORT", "dir:PATH", "generator", "generator:words"
/// or "generator:logs". Throws std::invalid_argument naming the problem.
source_spec parse_source(const std::string& text);
/// "print", "text:PREFIX", "json:-" or "json:FILE". Throws std::invalid_argument.
output_spec parse_output(const std::string& text);
/// Appends `s` to `out` as the inside of a JSON string: quote, backslash and
/// control characters (below 0x20) escaped, other bytes (UTF-8 included) as they are.
void append_json_string(std::string& out, std::string_view s);
/// Recovery of a JSON-lines file: cuts `path` after its last whole line whose
/// "time" is at most `t` (lines are in batch order), so that batches run
/// again replace their lines instead of adding them twice. A missing file is
/// left alone. Throws std::runtime_error naming the file.
void truncate_json_lines_after(const std::string& path, std::int64_t t);

/// Streaming word count: lines.flat_map(split_words).map(pair_with_one)
/// .reduce_by_key(), every batch, until SIGINT/SIGTERM or the duration ends.
/// Returns the process exit code; throws for a bad configuration found when
/// the graph is built (gpustream::logic_error) and for a failure that stopped
/// the context.
int run_wordcount(const wordcount_options& options);

}  // namespace gpustream::app
