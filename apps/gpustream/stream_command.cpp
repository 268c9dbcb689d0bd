#include "stream_command.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace gpustream::app {

namespace {

constexpr const char* source_forms = "socket:HOST:PORT, HOST:PORT, dir:PATH, generator, generator:words or generator:logs";

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

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
    case output_spec::kind::lines:
      return "lines on stdout";
  }
  return {};
}

std::uint16_t parse_port(const std::string& text) {
  const bool numeric =
      !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric) throw std::invalid_argument{"invalid port '" + text + "': expected a number from 1 to 65535"};
  const std::size_t start = std::min(text.find_first_not_of('0'), text.size());
  const std::string significant = text.substr(start);
  if (significant.empty() || significant.size() > 5 || std::stoul(significant) > 65535) {
    throw std::invalid_argument{"port " + text + " is out of range: expected a number from 1 to 65535"};
  }
  return static_cast<std::uint16_t>(std::stoul(significant));
}

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
  // "file:/x.log", "kafka://host/topic": a kind of source this program does
  // not have, not a host and a port (no port has a '/').
  const std::size_t scheme_end = text.find(':');
  const bool scheme =
      scheme_end != std::string::npos && scheme_end > 0 && std::isalpha(static_cast<unsigned char>(text[0])) &&
      std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(scheme_end), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      });
  if (!explicit_socket && scheme && text.find('/', scheme_end) != std::string::npos) {
    std::string message = "'" + text.substr(0, scheme_end + 1) + "' is not a source; sources are " + source_forms;
    if (text.compare(0, scheme_end, "file") == 0) {
      message += " (to read files, put them in a directory: dir:PATH, with --existing-files for those already there)";
    }
    throw std::invalid_argument{message};
  }
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

output_spec parse_output(const std::string& text, bool lines_allowed) {
  output_spec o;
  if (text == "print") {
    o.type = output_spec::kind::print;
  } else if (lines_allowed && text == "lines") {
    o.type = output_spec::kind::lines;
  } else if (starts_with(text, "text:")) {
    o.type = output_spec::kind::text;
    o.target = text.substr(5);
    if (o.target.empty()) throw std::invalid_argument{"'text:' needs a prefix, e.g. text:out/counts"};
  } else if (starts_with(text, "json:")) {
    o.type = output_spec::kind::json;
    o.target = text.substr(5);
    if (o.target.empty()) throw std::invalid_argument{"'json:' needs a file, or - for stdout"};
  } else {
    throw std::invalid_argument{"unknown output '" + text + "': expected " + (lines_allowed ? "lines, " : "") +
                                "print, text:PREFIX, json:- or json:FILE"};
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

streaming_options context_options(const stream_command_options& o) {
  streaming_options so;
  so.batch_interval = o.batch_interval;
  so.requested_backend = o.requested;
  so.log_batches = !o.quiet;
  so.checkpoint_directory = o.checkpoint;
  so.checkpoint_interval = o.checkpoint_interval;
  so.write_ahead_log = o.write_ahead_log;
  so.stop_on_signals = true;
  return so;
}

dstream<std::string> open_source(streaming_context& ctx, const stream_command_options& o) {
  const source_spec& src = o.source;
  switch (src.type) {
    case source_spec::kind::socket:
      return ctx.socket_text_stream(src.host, src.port);
    case source_spec::kind::directory: {
      file_stream_options fo;
      fo.new_files_only = !src.read_existing;
      fo.binary_files = src.binary_files;
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
}

json_lines_writer::json_lines_writer(const std::string& target, const streaming_context& ctx)
    : target_{target}, ctx_{&ctx} {
  if (target_ == "-") return;
  // As text:PREFIX does, the file's directory is made where missing.
  const std::filesystem::path parent = std::filesystem::path{target_}.parent_path();
  if (std::error_code ec; !parent.empty() && !std::filesystem::create_directories(parent, ec) && ec) {
    throw std::invalid_argument{"cannot create the directory '" + parent.string() + "' for '" + target_ +
                                "': " + ec.message()};
  }
  file_ = std::make_unique<std::ofstream>(target_, std::ios::binary | std::ios::app);
  if (!*file_) throw std::invalid_argument{"cannot open '" + target_ + "' for appending: " + std::strerror(errno)};
}

void json_lines_writer::write(const std::string& lines) {
  std::ostream& os = file_ ? static_cast<std::ostream&>(*file_) : std::cout;
  if (first_) {
    first_ = false;
    if (const auto since = ctx_->recovered_from(); since && file_) {
      file_->flush();
      truncate_json_lines_after(target_, *since);
    }
  }
  os.write(lines.data(), static_cast<std::streamsize>(lines.size()));
  os.flush();
  if (!os) throw std::runtime_error{"cannot write the JSON output to " + (file_ ? "'" + target_ + "'" : "stdout")};
}

void run_command(const char* program, streaming_context& ctx, const stream_command_options& o) {
  if (!o.quiet) {
    std::cerr << program << ": " << describe(o.source) << " -> " << describe(o.output) << "; "
              << (o.duration ? "stops after " + std::to_string(o.duration->count()) + " ms or on Ctrl-C"
                             : std::string{"stop with Ctrl-C"})
              << '\n';
  }
  ctx.start();
  if (o.duration && !ctx.await_termination_or_timeout(*o.duration)) ctx.stop(true);
  ctx.await_termination();
}

}  // namespace gpustream::app
