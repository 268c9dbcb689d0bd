// The gpustream command-line program.

#include "demo.hpp"
#include "grep.hpp"
#include "stream_command.hpp"
#include "wordcount.hpp"

#include <gpustream/config.hpp>
#include <gpustream/core/error.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

gpustream::backend parse_backend_option(const std::string& name) {
  return gpustream::parse_backend(name);
}

/// A CLI11 validator from a parser that throws std::invalid_argument or
/// gpustream::logic_error (both std::logic_error).
CLI::Validator validator(std::function<void(const std::string&)> parse, std::string name) {
  return CLI::Validator{[parse = std::move(parse)](std::string& value) -> std::string {
                          try {
                            parse(value);
                            return {};
                          } catch (const std::logic_error& e) {
                            return e.what();
                          }
                        },
                        "", std::move(name)};
}

/// Edit distance of `a` and `b` (insertions, deletions, substitutions).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// The usage error for arguments that no option or subcommand took: the
/// first unknown option by name, with the closest option of the command when
/// one is near (a misspelling), else the first unexpected argument.
std::string unexpected_arguments(const CLI::App& app) {
  const std::vector<std::string> extras = app.remaining(true);
  const auto subcommands = app.get_subcommands();
  const CLI::App& command = subcommands.empty() ? app : *subcommands.front();
  const std::string where = subcommands.empty() ? "gpustream" : "gpustream " + command.get_name();
  for (const std::string& arg : extras) {
    if (arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) continue;
    const std::string name = arg.substr(0, arg.find('='));
    std::string closest;
    std::size_t best = std::string::npos;
    for (const CLI::Option* opt : command.get_options()) {
      for (const std::string& long_name : opt->get_lnames()) {
        const std::size_t d = edit_distance(name, "--" + long_name);
        if (d < best) {
          best = d;
          closest = "--" + long_name;
        }
      }
    }
    std::string message = "unknown option '" + name + "' for " + where;
    if (best <= std::max<std::size_t>(2, name.size() / 4)) message += " (did you mean " + closest + "?)";
    return message;
  }
  return "unexpected argument '" + (extras.empty() ? std::string{} : extras.front()) + "' for " + where;
}

/// The options every streaming command takes, as given on its command line.
struct stream_cli {
  CLI::Option* source_option = nullptr;
  std::string source;
  std::string batch = "1s";
  std::string backend = "auto";
  std::string output;
  std::string duration;
  std::string file_pattern;
  std::string checkpoint_interval;
  std::string binary_files = "skip";
  bool read_existing = false;
  bool lines_allowed = false;  // --output lines
  CLI::Option* top = nullptr;
  CLI::Option* rate = nullptr;
  CLI::Option* existing = nullptr;
  CLI::Option* files = nullptr;
  CLI::Option* binary = nullptr;
};

/// What differs between the streaming commands' shared options.
struct stream_cli_text {
  const char* default_output;
  const char* output_help;
  bool lines_allowed;
  const char* checkpoint_help;
};

/// Adds the options every streaming command takes to `cmd`: their text into
/// `c`, the rest into `o`.
void add_stream_options(CLI::App* cmd, stream_cli& c, gpustream::app::stream_command_options& o,
                        const stream_cli_text& text) {
  c.output = text.default_output;
  c.lines_allowed = text.lines_allowed;
  // Required, but checked after the parse (finish_stream_options), so that a
  // misspelt option is reported as unknown before a missing one.
  c.source_option =
      cmd->add_option("--source", c.source,
                      "Input (required): socket:HOST:PORT (or HOST:PORT), a TCP server sending lines; dir:PATH, "
                      "the files moved into a directory after the start (see --existing-files and --files); "
                      "generator, generator:words or generator:logs, synthetic text at --rate-mib")
          ->check(validator([](const std::string& v) { gpustream::app::parse_source(v); }, "SOURCE"));
  cmd->add_option("--batch", c.batch, "Batch interval: a number and a unit (ms, s, m or h), e.g. 1s, 500ms, 2.5s")
      ->check(validator([](const std::string& v) { gpustream::parse_duration(v, "batch interval"); },
                        "DURATION"))
      ->capture_default_str();
  cmd->add_option("--backend", c.backend, "Where operators run: auto, cuda or cpu")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}))
      ->capture_default_str();
  const bool lines = text.lines_allowed;
  cmd->add_option("--output", c.output, text.output_help)
      ->check(validator([lines](const std::string& v) { gpustream::app::parse_output(v, lines); }, "OUTPUT"))
      ->capture_default_str();
  c.top = cmd->add_option("--top", o.top, "Records printed per batch with --output print")
              ->check(CLI::Range(1, 1000000))
              ->capture_default_str();
  cmd->add_option("--duration", c.duration,
                  "Stop gracefully after this long: a number and a unit, e.g. 10s or 5m (default: run until "
                  "SIGINT/SIGTERM)")
      ->check(validator([](const std::string& v) { gpustream::parse_duration(v, "duration"); }, "DURATION"));
  c.rate = cmd->add_option("--rate-mib", o.rate_mib,
                           "Generator rate in MiB/s, 0 for as fast as possible (generator sources)")
               ->check(CLI::Range(0.0, 1e6))
               ->capture_default_str();
  c.existing = cmd->add_flag("--existing-files", c.read_existing,
                             "With a dir: source, also read the files already in the directory at the first "
                             "start (Spark's newFilesOnly=false); by default only files moved in after it are read");
  c.files = cmd->add_option("--files", c.file_pattern,
                            "With a dir: source, read only the files whose names match this shell pattern, e.g. "
                            "'*.log' (quoted); hidden files and names ending in .tmp or ._COPYING_ are never read")
                ->type_name("PATTERN");
  c.binary = cmd->add_option("--binary-files", c.binary_files,
                             "With a dir: source, what to do with a file that is not text (a NUL byte in its first "
                             "8 KiB, e.g. a compressed log): skip it, saying so on stderr and counting it in the "
                             "batch's log line, or read it as text")
                 ->check(CLI::IsMember({"skip", "read"}))
                 ->capture_default_str();
  cmd->add_flag("--quiet", o.quiet, "No per-batch log line on stderr");
  cmd->add_option("--checkpoint", o.checkpoint, text.checkpoint_help);
  cmd->add_option("--checkpoint-interval", c.checkpoint_interval,
                  "How often to checkpoint, a multiple of --batch (default: every 10 s of batches)")
      ->check(validator([](const std::string& v) { gpustream::parse_duration(v, "checkpoint interval"); },
                        "DURATION"));
  cmd->add_flag("--wal", o.write_ahead_log,
                "Write each batch's input to a write-ahead log in the checkpoint directory before it runs, so "
                "that batches received before a crash run again after the restart (needs --checkpoint)");
}

/// Parses the text add_stream_options kept into `o`, and checks that the
/// options fit together: the usage error's message where they do not.
std::optional<std::string> finish_stream_options(const stream_cli& c, gpustream::app::stream_command_options& o) {
  using gpustream::app::output_spec;
  using gpustream::app::source_spec;
  if (c.source_option->count() == 0) return "--source is required";
  o.source = gpustream::app::parse_source(c.source);
  o.batch_interval = gpustream::parse_duration(c.batch, "batch interval");
  o.requested = parse_backend_option(c.backend);
  o.output = gpustream::app::parse_output(c.output, c.lines_allowed);
  if (!c.duration.empty()) o.duration = gpustream::parse_duration(c.duration, "duration");
  if (c.rate->count() > 0 && o.source.type != source_spec::kind::generator) {
    return "--rate-mib applies only to a generator source";
  }
  if (o.source.type != source_spec::kind::directory) {
    for (const CLI::Option* dir_only : {c.existing, c.files, c.binary}) {
      if (dir_only->count() > 0) return dir_only->get_name() + " applies only to a dir: source";
    }
  }
  if (c.files->count() > 0 && c.file_pattern.empty()) return "--files needs a pattern, e.g. '*.log'";
  o.source.read_existing = c.read_existing;
  o.source.file_pattern = c.file_pattern;
  o.source.binary_files =
      c.binary_files == "read" ? gpustream::binary_file_policy::read : gpustream::binary_file_policy::skip;
  if (!c.checkpoint_interval.empty()) {
    if (o.checkpoint.empty()) return "--checkpoint-interval needs --checkpoint";
    o.checkpoint_interval = gpustream::parse_duration(c.checkpoint_interval, "checkpoint interval");
  }
  if (o.write_ahead_log && o.checkpoint.empty()) return "--wal needs --checkpoint";
  if (c.top->count() > 0 && o.output.type != output_spec::kind::print) return "--top applies only to --output print";
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gpustream: a micro-batch stream engine that runs each batch on the GPU"};
  app.set_version_flag("--version", std::string{"gpustream "} + GPUSTREAM_VERSION_STRING);
  // At most one; "none" is reported after the parse, so that a misspelt
  // option (--verison) is reported as unknown first.
  app.require_subcommand(0, 1);
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    const bool extras = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
    const std::string what = extras ? unexpected_arguments(*failed) : e.what();
    return "gpustream: error: " + what + " (see --help)\n";
  });

  gpustream::app::demo_options demo;
  std::string demo_backend = "auto";
  auto* demo_cmd = app.add_subcommand(
      "demo", "Word count over generated text, printed batch by batch; ends by itself");
  demo_cmd->add_option("--batches", demo.batches, "Number of batches")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  demo_cmd->add_option("--batch-mib", demo.batch_mib, "Text per batch, in MiB")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  demo_cmd->add_option("--interval-ms", demo.interval_ms, "Batch interval in milliseconds")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  demo_cmd->add_option("--top", demo.top, "Words printed per batch (most frequent first)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  demo_cmd->add_option("--backend", demo_backend, "Where operators run: auto, cuda or cpu")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}))
      ->capture_default_str();
  demo_cmd->add_flag("--quiet", demo.quiet_log, "No per-batch log line on stderr");

  gpustream::app::wordcount_options wc;
  stream_cli wc_cli;
  auto* wc_cmd = app.add_subcommand(
      "wordcount",
      "Streaming word count (Spark's NetworkWordCount): counts the words of each batch interval's lines; "
      "runs until SIGINT/SIGTERM or --duration, then stops gracefully");
  add_stream_options(
      wc_cmd, wc_cli, wc,
      {"print",
       "Where each batch's counts go: print (Spark's pprint of --top records), text:PREFIX (a directory "
       "PREFIX-<batch time> per batch), json:- (JSON lines on stdout) or json:FILE (JSON lines appended to FILE, "
       "its directory made where missing), one {\"time\":<batch time in ms>,\"word\":...,\"count\":...} per "
       "word; in JSON strings quote, backslash and control characters are escaped (\\\", \\\\, \\u00XX) and "
       "bytes from 0x80 up pass through as they are (valid JSON for UTF-8 text)",
       false,
       "Checkpoint directory: the counts' state and the source's position are saved there, and a restart with "
       "the same options goes on from the newest checkpoint (a directory source reads every file exactly once "
       "across restarts; text:PREFIX and json:FILE outputs of batches after the checkpoint are replaced, not "
       "repeated)"});
  std::string wc_algorithm = "auto";
  wc_cmd->add_option("--algorithm", wc_algorithm,
                     "How each batch's words are grouped and counted: auto (the backend's default path: hash on "
                     "both backends), sort (by hash, then bytes), or hash (on CUDA the one-pass hash table, on the CPU its hash path); "
                     "every choice gives the same counts")
      ->check(CLI::IsMember({"auto", "sort", "hash"}))
      ->capture_default_str();

  gpustream::app::grep_options gr;
  stream_cli gr_cli;
  auto* gr_cmd = app.add_subcommand(
      "grep",
      "Streaming grep (the D-Streams paper's): the lines of each batch interval that contain --pattern, or "
      "with --count how many; runs until SIGINT/SIGTERM or --duration, then stops gracefully");
  auto* pattern_option =
      gr_cmd->add_option("--pattern", gr.pattern,
                         "The bytes a line must contain (required), as they are: no regular expression, case "
                         "sensitive; an empty pattern matches every line");
  gr_cmd->add_flag("--count", gr.count, "Write each batch's number of matching lines instead of the lines");
  add_stream_options(
      gr_cmd, gr_cli, gr,
      {"lines",
       "Where each batch's lines (or counts) go: lines (each line on stdout as it came, as grep writes them; "
       "with --count one '<batch time in ms> <count>' line per batch), print (Spark's pprint of --top "
       "records), text:PREFIX (a directory PREFIX-<batch time> per batch), json:- (JSON lines on stdout) or "
       "json:FILE (JSON lines appended to FILE, its directory made where missing), one "
       "{\"time\":<batch time in ms>,\"line\":...} per line, or {\"time\":...,\"count\":...} per batch with "
       "--count; JSON strings are escaped as wordcount's are",
       true,
       "Checkpoint directory: the source's position is saved there, and a restart with the same options goes "
       "on from the newest checkpoint (a directory source reads every file exactly once across restarts; "
       "text:PREFIX and json:FILE outputs of batches after the checkpoint are replaced, not repeated; lines "
       "already written to stdout cannot be taken back)"});

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  auto usage_error = [](const std::string& message) {
    std::cerr << "gpustream: error: " << message << " (see --help)\n";
    return 2;
  };

  try {
    if (*demo_cmd) {
      demo.requested = parse_backend_option(demo_backend);
      return gpustream::app::run_demo(demo);
    }
    if (*wc_cmd) {
      if (auto error = finish_stream_options(wc_cli, wc)) return usage_error(*error);
      wc.algorithm = wc_algorithm == "sort"   ? gpustream::reduce_algorithm::sort
                     : wc_algorithm == "hash" ? gpustream::reduce_algorithm::hash
                                              : gpustream::reduce_algorithm::automatic;
      return gpustream::app::run_wordcount(wc);
    }
    if (*gr_cmd) {
      if (pattern_option->count() == 0) return usage_error("--pattern is required");
      if (auto error = finish_stream_options(gr_cli, gr)) return usage_error(*error);
      return gpustream::app::run_grep(gr);
    }
    return usage_error("a command is required: demo, wordcount or grep");
  } catch (const std::invalid_argument& e) {  // a configuration found wrong at start-up
    std::cerr << "gpustream: error: " << e.what() << '\n';
    return 2;
  } catch (const gpustream::backend_unavailable& e) {
    std::cerr << "gpustream: error: " << e.what() << '\n';
    return 2;
  } catch (const gpustream::logic_error& e) {
    std::cerr << "gpustream: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "gpustream: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
