#pragma once

// What the streaming commands of the gpustream program (wordcount, grep)
// share: their sources, outputs, the options every one of them takes, and the
// JSON-lines writer.

#include <gpustream/core/backend.hpp>
#include <gpustream/core/duration.hpp>
#include <gpustream/sources/text_generator.hpp>
#include <gpustream/streaming/dstream.hpp>
#include <gpustream/streaming/streaming_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpustream::app {

/// Where a streaming command reads its lines.
struct source_spec {
  enum class kind { socket, directory, generator };
  kind type = kind::generator;
  std::string host;        // socket
  std::uint16_t port = 0;  // socket
  std::string directory;   // directory
  bool read_existing = false;  // directory: the files there at the first start too
  std::string file_pattern;    // directory: a shell pattern names must match; empty: all
  binary_file_policy binary_files = binary_file_policy::skip;  // directory: files that are not text
  generated_text text = generated_text::words;  // generator
};

/// Where a streaming command writes each batch's records.
struct output_spec {
  /// `lines`: each record on a line of its own on stdout, as it is (grep's).
  enum class kind { print, text, json, lines };
  kind type = kind::print;
  std::string target;  // text: the prefix; json: a file, or "-" for stdout
};

/// The options every streaming command takes.
struct stream_command_options {
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
};

/// Parses a TCP port, 1 to 65535. Throws std::invalid_argument naming the text.
std::uint16_t parse_port(const std::string& text);
/// "socket:HOST:PORT", "HOST:PORT", "dir:PATH", "generator", "generator:words"
/// or "generator:logs". Throws std::invalid_argument naming the problem.
source_spec parse_source(const std::string& text);
/// "print", "text:PREFIX", "json:-" or "json:FILE", and "lines" where
/// `lines_allowed`. Throws std::invalid_argument.
output_spec parse_output(const std::string& text, bool lines_allowed = false);
/// Appends `s` to `out` as the inside of a JSON string: quote, backslash and
/// control characters (below 0x20) escaped, other bytes (UTF-8 included) as they are.
void append_json_string(std::string& out, std::string_view s);
/// Recovery of a JSON-lines file: cuts `path` after its last whole line whose
/// "time" is at most `t` (lines are in batch order), so that batches run
/// again replace their lines instead of adding them twice. A missing file is
/// left alone. Throws std::runtime_error naming the file.
void truncate_json_lines_after(const std::string& path, std::int64_t t);

/// How the command's log line names its source and its output.
std::string describe(const source_spec& s);
std::string describe(const output_spec& o);

/// The context's options from the command's.
streaming_options context_options(const stream_command_options& o);
/// The command's source as a stream of lines of `ctx`.
dstream<std::string> open_source(streaming_context& ctx, const stream_command_options& o);

/// JSON lines on stdout or appended to a file (its directory made where
/// missing), one write and one flush per batch. After a recovery from a
/// checkpoint, the file's lines of batches after the checkpoint go at the
/// first batch: those batches run again (or their data comes again).
class json_lines_writer {
 public:
  /// `target` is a file or "-" for stdout. Throws std::invalid_argument when
  /// the file or its directory cannot be made.
  json_lines_writer(const std::string& target, const streaming_context& ctx);
  /// Writes one batch's lines (each ending in '\n'); throws std::runtime_error
  /// when the write fails.
  void write(const std::string& lines);

 private:
  std::string target_;
  const streaming_context* ctx_;
  std::unique_ptr<std::ofstream> file_;
  bool first_ = true;
};

/// Writes each batch of `records` as JSON lines to `target` (see
/// json_lines_writer): `append(text, record, t)` appends one record's line.
template <class T, class Append>
void write_json_lines(const dstream<T>& records, const std::string& target, const streaming_context& ctx,
                      Append append) {
  auto out = std::make_shared<json_lines_writer>(target, ctx);
  records.foreach_batch([out, append](const std::vector<T>& batch, batch_time t) {
    std::string text;
    for (const T& r : batch) append(text, r, t);
    out->write(text);
  });
}

/// Starts `ctx` and runs it until SIGINT/SIGTERM (context_options sets
/// stop_on_signals), the end of `o.duration` or a failure, then stops it
/// gracefully: what was received is processed before this returns. First logs
/// "PROGRAM: SOURCE -> OUTPUT; ..." on stderr unless quiet. Rethrows the
/// error that stopped the context, if any.
void run_command(const char* program, streaming_context& ctx, const stream_command_options& o);

}  // namespace gpustream::app
