// The gpustream command-line program.

#include "demo.hpp"
#include "streaming_cli.hpp"
#include "wordcount.hpp"

#include <gpustream/config.hpp>
#include <gpustream/core/error.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <stdexcept>

namespace {

gpustream::backend parse_backend_option(const std::string& name) {
  return gpustream::parse_backend(name);
}

/// A CLI11 validator from a parser that throws std::invalid_argument.
CLI::Validator validator(std::function<void(const std::string&)> parse, std::string name) {
  return CLI::Validator{[parse = std::move(parse)](std::string& value) -> std::string {
                          try {
                            parse(value);
                            return {};
                          } catch (const std::invalid_argument& e) {
                            return e.what();
                          }
                        },
                        "", std::move(name)};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gpustream: a micro-batch stream engine that runs each batch on the GPU"};
  app.set_version_flag("--version", std::string{"gpustream "} + GPUSTREAM_VERSION_STRING);
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string{"gpustream: error: "} + e.what() + " (see --help)\n";
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
  std::string wc_source;
  std::string wc_batch = "1s";
  std::string wc_backend = "auto";
  std::string wc_output = "print";
  std::string wc_duration;
  std::string wc_file_pattern;
  bool wc_read_existing = false;
  auto* wc_cmd = app.add_subcommand(
      "wordcount",
      "Streaming word count (Spark's NetworkWordCount): counts the words of each batch interval's lines; "
      "runs until SIGINT/SIGTERM or --duration, then stops gracefully");
  wc_cmd->add_option("--source", wc_source,
                     "Input: socket:HOST:PORT (or HOST:PORT), a TCP server sending lines; dir:PATH, the files "
                     "moved into a directory after the start (see --existing-files and --files); generator, "
                     "generator:words or generator:logs, synthetic text at --rate-mib")
      ->required()
      ->check(validator([](const std::string& v) { gpustream::app::parse_source(v); }, "SOURCE"));
  wc_cmd->add_option("--batch", wc_batch, "Batch interval, e.g. 1s, 500ms, 2.5s, or a number of milliseconds")
      ->check(validator([](const std::string& v) { gpustream::app::parse_duration(v, "batch interval"); },
                        "DURATION"))
      ->capture_default_str();
  wc_cmd->add_option("--backend", wc_backend, "Where operators run: auto, cuda or cpu")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}))
      ->capture_default_str();
  wc_cmd->add_option("--output", wc_output,
                     "Where each batch's counts go: print (Spark's pprint of --top records), text:PREFIX (a "
                     "directory PREFIX-<batch time> per batch), json:- (JSON lines on stdout) or json:FILE "
                     "(JSON lines appended to FILE, its directory made where missing), one {\"time\":<batch time in ms>,\"word\":...,\"count\":...} "
                     "per word; in JSON strings quote, backslash and control characters are escaped "
                     "(\\\", \\\\, \\u00XX) and bytes from 0x80 up pass through as they are (valid JSON for "
                     "UTF-8 text)")
      ->check(validator([](const std::string& v) { gpustream::app::parse_output(v); }, "OUTPUT"))
      ->capture_default_str();
  auto* wc_top = wc_cmd->add_option("--top", wc.top, "Records printed per batch with --output print")
                     ->check(CLI::Range(1, 1000000))
                     ->capture_default_str();
  wc_cmd->add_option("--duration", wc_duration, "Stop gracefully after this long, e.g. 10s (default: run until "
                                                "SIGINT/SIGTERM)")
      ->check(validator([](const std::string& v) { gpustream::app::parse_duration(v, "duration"); }, "DURATION"));
  auto* wc_rate = wc_cmd->add_option("--rate-mib", wc.rate_mib,
                                     "Generator rate in MiB/s, 0 for as fast as possible (generator sources)")
                      ->check(CLI::Range(0.0, 1e6))
                      ->capture_default_str();
  auto* wc_existing = wc_cmd->add_flag(
      "--existing-files", wc_read_existing,
      "With a dir: source, also read the files already in the directory at the first start (Spark's "
      "newFilesOnly=false); by default only files moved in after it are read");
  auto* wc_files = wc_cmd->add_option("--files", wc_file_pattern,
                                      "With a dir: source, read only the files whose names match this shell "
                                      "pattern, e.g. '*.log' (quoted); hidden files and names ending in .tmp or "
                                      "._COPYING_ are never read")
                      ->type_name("PATTERN");
  std::string wc_algorithm = "auto";
  wc_cmd->add_option("--algorithm", wc_algorithm,
                     "How each batch's words are grouped and counted: auto (the backend's default path), sort (by "
                     "hash, then bytes), or hash (on CUDA the one-pass hash table, on the CPU its hash path); "
                     "every choice gives the same counts")
      ->check(CLI::IsMember({"auto", "sort", "hash"}))
      ->capture_default_str();
  wc_cmd->add_flag("--quiet", wc.quiet, "No per-batch log line on stderr");
  std::string wc_checkpoint_interval;
  wc_cmd->add_option("--checkpoint", wc.checkpoint,
                     "Checkpoint directory: the counts' state and the source's position are saved there, and a "
                     "restart with the same options goes on from the newest checkpoint (a directory source "
                     "reads every file exactly once across restarts; text:PREFIX and json:FILE outputs of "
                     "batches after the checkpoint are replaced, not repeated)");
  wc_cmd->add_option("--checkpoint-interval", wc_checkpoint_interval,
                     "How often to checkpoint, a multiple of --batch (default: every 10 s of batches)")
      ->check(validator([](const std::string& v) { gpustream::app::parse_duration(v, "checkpoint interval"); },
                        "DURATION"));
  wc_cmd->add_flag("--wal", wc.write_ahead_log,
                   "Write each batch's input to a write-ahead log in the checkpoint directory before it runs, "
                   "so that batches received before a crash run again after the restart (needs --checkpoint)");

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
      wc.source = gpustream::app::parse_source(wc_source);
      wc.batch_interval = gpustream::app::parse_duration(wc_batch, "batch interval");
      wc.requested = parse_backend_option(wc_backend);
      wc.output = gpustream::app::parse_output(wc_output);
      wc.algorithm = wc_algorithm == "sort"   ? gpustream::reduce_algorithm::sort
                     : wc_algorithm == "hash" ? gpustream::reduce_algorithm::hash
                                              : gpustream::reduce_algorithm::automatic;
      if (!wc_duration.empty()) wc.duration = gpustream::app::parse_duration(wc_duration, "duration");
      if (wc_rate->count() > 0 && wc.source.type != gpustream::app::source_spec::kind::generator) {
        return usage_error("--rate-mib applies only to a generator source");
      }
      if ((wc_existing->count() > 0 || wc_files->count() > 0) &&
          wc.source.type != gpustream::app::source_spec::kind::directory) {
        return usage_error(std::string{wc_existing->count() > 0 ? "--existing-files" : "--files"} +
                           " applies only to a dir: source");
      }
      if (wc_files->count() > 0 && wc_file_pattern.empty()) {
        return usage_error("--files needs a pattern, e.g. '*.log'");
      }
      wc.source.read_existing = wc_read_existing;
      wc.source.file_pattern = wc_file_pattern;
      if (!wc_checkpoint_interval.empty()) {
        if (wc.checkpoint.empty()) return usage_error("--checkpoint-interval needs --checkpoint");
        wc.checkpoint_interval = gpustream::app::parse_duration(wc_checkpoint_interval, "checkpoint interval");
      }
      if (wc.write_ahead_log && wc.checkpoint.empty()) return usage_error("--wal needs --checkpoint");
      if (wc_top->count() > 0 && wc.output.type != gpustream::app::output_spec::kind::print) {
        return usage_error("--top applies only to --output print");
      }
      return gpustream::app::run_wordcount(wc);
    }
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
