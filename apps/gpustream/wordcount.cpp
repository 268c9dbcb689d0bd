#include "wordcount.hpp"

#include "streaming_cli.hpp"

#include <gpustream/streaming/dstream.hpp>
#include <gpustream/streaming/streaming_context.hpp>

#include <fnmatch.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <vector>

namespace gpustream::app {

namespace {

constexpr const char* source_forms = "socket:HOST:PORT, HOST:PORT, dir:PATH, generator, generator:words or generator:logs";
constexpr const char* output_forms = "print, text:PREFIX, json:- or json:FILE";

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string describe(const source_spec& s) {
  switch (s.type) {
    case source_spec::kind::socket:
      return "socket " + s.host + ":" + std::to_string(s.port);
    case source_spec::kind::directory:
      return (s.read_existing ? "files in " : "new files in ") + s.directory +
             (s.file_pattern.empty() ? std::string{} : " named " + s.file_pattern);
    case source_spec::kind::generator:
      return s.text == generated_text::logs ? "generated log lines" : "generated words";
  }
  return {};
}

std::string describe(const output_spec& o) {
  switch (o.type) {
    case output_spec::kind::print:
      return "print";
    case output_spec::kind::text:
      return "text files " + o.target + "-<batch time>";
    case output_spec::kind::json:
      return o.target == "-" ? "JSON lines on stdout" : "JSON lines appended to " + o.target;
  }
  return {};
}

}  // namespace

source_spec parse_source(const std::string& text) {
  source_spec s;
  if (starts_with(text, "dir:")) {
    s.type = source_spec::kind::directory;
    s.directory = text.substr(4);
    if (s.directory.empty()) throw std::invalid_argument{"'dir:' needs a directory, e.g. dir:/data/incoming"};
    return s;
  }
  if (text == "generator" || starts_with(text, "generator:")) {
    s.type = source_spec::kind::generator;
    const std::string kind = text == "generator" ? "words" : text.substr(10);
    if (kind == "words") {
      s.text = generated_text::words;
    } else if (kind == "logs") {
      s.text = generated_text::logs;
    } else {
      throw std::invalid_argument{"unknown generator '" + kind + "': expected generator:words or generator:logs"};
    }
    return s;
  }
  const bool explicit_socket = starts_with(text, "socket:");
  const std::string address = explicit_socket ? text.substr(7) : text;
  std::string host;
  std::string port;
  if (starts_with(address, "[")) {  // [IPv6 address]:port
    const std::size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      throw std::invalid_argument{"invalid source '" + text + "': expected socket:[ADDRESS]:PORT for an IPv6 address"};
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const std::size_t colon = address.rfind(':');
    if (colon == std::string::npos) {
      throw std::invalid_argument{"unknown source '" + text + "': expected " + source_forms};
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.empty()) throw std::invalid_argument{"no host in '" + text + "': expected socket:HOST:PORT"};
  try {
    s.port = parse_port(port);
  } catch (const std::invalid_argument& e) {
    std::string message = std::string{e.what()} + " (in '" + text + "')";
    if (!explicit_socket) message += "; sources are " + std::string{source_forms};
    throw std::invalid_argument{message};
  }
  s.type = source_spec::kind::socket;
  s.host = host;
  return s;
}

output_spec parse_output(const std::string& text) {
  output_spec o;
  if (text == "print") {
    o.type = output_spec::kind::print;
  } else if (starts_with(text, "text:")) {
    o.type = output_spec::kind::text;
    o.target = text.substr(5);
    if (o.target.empty()) throw std::invalid_argument{"'text:' needs a prefix, e.g. text:out/counts"};
  } else if (starts_with(text, "json:")) {
    o.type = output_spec::kind::json;
    o.target = text.substr(5);
    if (o.target.empty()) throw std::invalid_argument{"'json:' needs a file, or - for stdout"};
  } else {
    throw std::invalid_argument{"unknown output '" + text + "': expected " + output_forms};
  }
  return o;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;  // bytes >= 0x80 (UTF-8 or not) pass through unchanged
    }
  }
}

void truncate_json_lines_after(const std::string& path, std::int64_t t) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  std::ifstream in{path, std::ios::binary};
  if (!in) throw std::runtime_error{"cannot read '" + path + "' to roll it back: " + std::strerror(errno)};
  std::uintmax_t keep = 0;
  std::string line;
  const std::string key = "{\"time\":";
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a last line without '\n': cut short by a crash
    if (line.compare(0, key.size(), key) != 0) break;
    std::int64_t time = 0;
    try {
      time = std::stoll(line.substr(key.size()));
    } catch (const std::exception&) {
      break;
    }
    if (time > t) break;
    keep += line.size() + 1;
  }
  in.close();
  std::filesystem::resize_file(path, keep, ec);
  if (ec) throw std::runtime_error{"cannot roll back '" + path + "': " + ec.message()};
}

int run_wordcount(const wordcount_options& o) {
  // First, before any thread starts: SIGINT and SIGTERM stop the context gracefully.
  stop_signals signals{"gpustream"};

  streaming_options so;
  so.batch_interval = o.batch_interval;
  so.requested_backend = o.requested;
  so.log_batches = !o.quiet;
  so.checkpoint_directory = o.checkpoint;
  so.checkpoint_interval = o.checkpoint_interval;
  so.write_ahead_log = o.write_ahead_log;
  so.word_count_algorithm = o.algorithm;
  streaming_context ctx{so};

  const source_spec& src = o.source;
  dstream<std::string> lines = [&] {
    switch (src.type) {
      case source_spec::kind::socket:
        return ctx.socket_text_stream(src.host, src.port);
      case source_spec::kind::directory: {
        file_stream_options fo;
        fo.new_files_only = !src.read_existing;
        if (!src.file_pattern.empty()) {
          fo.filter = [pattern = src.file_pattern](const std::string& name) {
            return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
          };
        }
        return ctx.text_file_stream(src.directory, std::move(fo));
      }
      case source_spec::kind::generator:
        break;
    }
    generator_stream_options g;
    g.text.kind = src.text;
    g.bytes_per_second = static_cast<std::uint64_t>(std::llround(o.rate_mib * (1 << 20)));
    if (o.rate_mib > 0 && g.bytes_per_second == 0) g.bytes_per_second = 1;
    return ctx.generator_stream(g);
  }();

  const dstream<word_pair> counts = lines.flat_map(split_words).map(pair_with_one).reduce_by_key();

  std::shared_ptr<std::ofstream> file;
  switch (o.output.type) {
    case output_spec::kind::print:
      counts.print(o.top);
      break;
    case output_spec::kind::text:
      counts.save_as_text_files(o.output.target);
      break;
    case output_spec::kind::json: {
      std::ostream* os = &std::cout;
      if (o.output.target != "-") {
        // As text:PREFIX does, the file's directory is made where missing.
        const std::filesystem::path parent = std::filesystem::path{o.output.target}.parent_path();
        if (std::error_code ec; !parent.empty() && !std::filesystem::create_directories(parent, ec) && ec) {
          throw std::invalid_argument{"cannot create the directory '" + parent.string() + "' for '" +
                                      o.output.target + "': " + ec.message()};
        }
        file = std::make_shared<std::ofstream>(o.output.target, std::ios::binary | std::ios::app);
        if (!*file) {
          throw std::invalid_argument{"cannot open '" + o.output.target + "' for appending: " + std::strerror(errno)};
        }
        os = file.get();
      }
      auto first = std::make_shared<bool>(true);
      counts.foreach_batch([os, file, first, &ctx, target = o.output.target](const std::vector<word_pair>& records,
                                                                             batch_time t) {
        if (*first) {
          // After a recovery, lines of batches after the checkpoint go: those
          // batches run again (or their data comes again).
          *first = false;
          if (const auto since = ctx.recovered_from(); since && file) {
            file->flush();
            truncate_json_lines_after(target, *since);
          }
        }
        // One write and one flush per batch.
        const std::string head = "{\"time\":" + std::to_string(t) + ",\"word\":\"";
        std::string text;
        text.reserve(records.size() * (head.size() + 24));
        for (const auto& [word, count] : records) {
          text += head;
          append_json_string(text, word);
          text += "\",\"count\":";
          text += std::to_string(count);
          text += "}\n";
        }
        os->write(text.data(), static_cast<std::streamsize>(text.size()));
        os->flush();
        if (!*os) {
          throw std::runtime_error{"cannot write the JSON output to " + (target == "-" ? "stdout" : "'" + target + "'")};
        }
      });
      break;
    }
  }

  if (!o.quiet) {
    std::cerr << "gpustream wordcount: " << describe(src) << " -> " << describe(o.output) << "; "
              << (o.duration ? "stops after " + std::to_string(o.duration->count()) + " ms or on Ctrl-C"
                             : std::string{"stop with Ctrl-C"})
              << '\n';
  }
  ctx.start();
  run_until_stopped(ctx, signals, o.duration);
  return 0;
}

}  // namespace gpustream::app
