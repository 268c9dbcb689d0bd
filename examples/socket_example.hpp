#pragma once

// The frame of the network examples: `<program> <hostname> <port> [--batch]
// [--backend] [--checkpoint DIR [--wal]]` plus the example's own options, a
// streaming_context reading lines from the TCP server, SIGINT/SIGTERM stopping
// it gracefully (streaming_options::stop_on_signals), and one-line errors with
// exit status 2 for bad configuration. It uses the installed library alone
// (and CLI11 for the options).

#include <gpustream/gpustream.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

namespace gpustream::examples {

struct socket_example {
  std::string name;         // the program's name, for messages
  std::string description;  // its --help line
  std::string default_batch = "1s";
  /// Adds the example's own options (may be empty).
  std::function<void(CLI::App&)> options;
  /// Builds the graph over the received lines; may throw std::invalid_argument
  /// or gpustream::logic_error for a bad option value (a usage error).
  std::function<void(streaming_context&, dstream<std::string>)> graph;
};

inline int run(const socket_example& ex, int argc, char** argv) {
  CLI::App app{ex.description};
  app.failure_message([&ex](const CLI::App*, const CLI::Error& e) {
    return ex.name + ": error: " + e.what() + " (see --help)\n";
  });
  std::string hostname;
  std::uint16_t port = 0;
  std::string batch_text = ex.default_batch;
  std::string backend_name = "auto";
  app.add_option("hostname", hostname, "Host of the TCP server, e.g. localhost")->required();
  app.add_option("port", port, "Its port, 1 to 65535")->required()->check(CLI::Range(1, 65535));
  app.add_option("--batch", batch_text, "Batch interval, e.g. 1s, 500ms or 2.5s")
      ->capture_default_str();
  app.add_option("--backend", backend_name, "Where operators run: auto, cuda or cpu")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}))
      ->capture_default_str();
  std::string checkpoint;
  bool wal = false;
  app.add_option("--checkpoint", checkpoint,
                 "Checkpoint directory: state, windows and the batch times are saved there, and a restart with "
                 "the same options goes on from the newest checkpoint");
  app.add_flag("--wal", wal,
               "Log each batch's input in the checkpoint directory before it runs, so that batches received "
               "before a crash run again after the restart (needs --checkpoint)");
  if (ex.options) ex.options(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::chrono::milliseconds batch{};
  try {
    batch = parse_duration(batch_text, "batch interval");
    if (wal && checkpoint.empty()) throw std::invalid_argument{"--wal needs --checkpoint"};
  } catch (const std::logic_error& e) {  // gpustream::logic_error and std::invalid_argument
    std::cerr << ex.name << ": error: " << e.what() << " (see --help)\n";
    return 2;
  }

  try {
    streaming_options options;
    options.batch_interval = batch;
    options.requested_backend = parse_backend(backend_name);
    options.checkpoint_directory = checkpoint;
    options.write_ahead_log = wal;
    options.stop_on_signals = true;
    streaming_context ssc{options};
    try {
      ex.graph(ssc, ssc.socket_text_stream(hostname, port));
    } catch (const std::logic_error& e) {
      std::cerr << ex.name << ": error: " << e.what() << " (see --help)\n";
      return 2;
    }
    ssc.start();
    ssc.await_termination();
  } catch (const logic_error& e) {
    std::cerr << ex.name << ": error: " << e.what() << '\n';
    return 2;
  } catch (const backend_unavailable& e) {
    std::cerr << ex.name << ": error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << ex.name << ": error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace gpustream::examples
