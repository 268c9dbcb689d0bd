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

}  // namespace

int run_grep(const grep_options& o) {
  if (o.pattern.find('\n') != std::string::npos) {
    throw std::invalid_argument{"the pattern contains a newline, and no line does: it would match nothing"};
  }
  // First, before any thread starts: SIGINT and SIGTERM stop the context gracefully.
  stop_signals signals{"gpustream"};
  streaming_context ctx{context_options(o)};
  const dstream<std::string> matches = open_source(ctx, o).filter(contains{o.pattern});

  if (o.count) {
    const dstream<std::int64_t> counts = matches.count();
    switch (o.output.type) {
      case output_spec::kind::print:
        counts.print(o.top);
        break;
      case output_spec::kind::lines:
        counts.foreach_batch([](const std::vector<std::int64_t>& n, batch_time t) {
          for (const std::int64_t c : n) write_stdout(std::to_string(t) + " " + std::to_string(c) + "\n");
        });
        break;
      case output_spec::kind::text:
        counts.save_as_text_files(o.output.target);
        break;
      case output_spec::kind::json: {
        auto out = std::make_shared<json_lines_writer>(o.output.target, ctx);
        counts.foreach_batch([out](const std::vector<std::int64_t>& n, batch_time t) {
          std::string text;
          for (const std::int64_t c : n) {
            text += "{\"time\":" + std::to_string(t) + ",\"count\":" + std::to_string(c) + "}\n";
          }
          out->write(text);
        });
        break;
      }
    }
  } else {
    switch (o.output.type) {
      case output_spec::kind::print:
        matches.print(o.top);
        break;
      case output_spec::kind::lines:
        matches.foreach_batch([](const std::vector<std::string>& lines, batch_time) {
          std::size_t bytes = 0;
          for (const auto& line : lines) bytes += line.size() + 1;
          std::string text;
          text.reserve(bytes);
          for (const auto& line : lines) {
            text += line;
            text += '\n';
          }
          write_stdout(text);
        });
        break;
      case output_spec::kind::text:
        matches.save_as_text_files(o.output.target);
        break;
      case output_spec::kind::json: {
        auto out = std::make_shared<json_lines_writer>(o.output.target, ctx);
        matches.foreach_batch([out](const std::vector<std::string>& lines, batch_time t) {
          const std::string head = "{\"time\":" + std::to_string(t) + ",\"line\":\"";
          std::string text;
          for (const auto& line : lines) {
            text += head;
            append_json_string(text, line);
            text += "\"}\n";
          }
          out->write(text);
        });
        break;
      }
    }
  }
  run_command("gpustream grep", ctx, signals, o);
  return 0;
}

}  // namespace gpustream::app
