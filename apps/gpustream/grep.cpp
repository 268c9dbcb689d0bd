#include "grep.hpp"

#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpustream::app {

namespace {

/// Writes one batch's text to stdout in one write, flushed.
void write_stdout(const std::string& text) {
  std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
  std::cout.flush();
  if (!std::cout) throw std::runtime_error{"cannot write to stdout"};
}

/// Sends each batch of `records` to the output of `o`: `line(text, record, t)`
/// appends a record's line for --output lines, `json(text, record, t)` its
/// JSON line.
template <class T, class Line, class Json>
void write_output(const dstream<T>& records, const grep_options& o, const streaming_context& ctx, Line line,
                  Json json) {
  switch (o.output.type) {
    case output_spec::kind::print:
      records.print(o.top);
      break;
    case output_spec::kind::lines:
      records.foreach_batch([line](const std::vector<T>& batch, batch_time t) {
        std::string text;
        for (const T& r : batch) line(text, r, t);
        write_stdout(text);
      });
      break;
    case output_spec::kind::text:
      records.save_as_text_files(o.output.target);
      break;
    case output_spec::kind::json:
      write_json_lines(records, o.output.target, ctx, json);
      break;
  }
}

}  // namespace

int run_grep(const grep_options& o) {
  if (o.pattern.find('\n') != std::string::npos) {
    throw std::invalid_argument{"the pattern contains a newline, and no line does: it would match nothing"};
  }
  streaming_context ctx{context_options(o)};
  const dstream<std::string> matches = open_source(ctx, o).filter(contains{o.pattern});
  if (o.count) {
    write_output(
        matches.count(), o, ctx,
        [](std::string& text, std::int64_t n, batch_time t) {
          text += std::to_string(t) + " " + std::to_string(n) + "\n";
        },
        [](std::string& text, std::int64_t n, batch_time t) {
          text += "{\"time\":" + std::to_string(t) + ",\"count\":" + std::to_string(n) + "}\n";
        });
  } else {
    write_output(
        matches, o, ctx,
        [](std::string& text, const std::string& line, batch_time) {
          text += line;
          text += '\n';
        },
        [](std::string& text, const std::string& line, batch_time t) {
          text += "{\"time\":" + std::to_string(t) + ",\"line\":\"";
          append_json_string(text, line);
          text += "\"}\n";
        });
  }
  run_command("gpustream grep", ctx, o);
  return 0;
}

}  // namespace gpustream::app
