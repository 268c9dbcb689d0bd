// The gpustream command-line program.

#include "demo.hpp"

#include <gpustream/config.hpp>
#include <gpustream/core/error.hpp>

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

gpustream::backend parse_backend_option(const std::string& name) {
  return gpustream::parse_backend(name);
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (*demo_cmd) {
      demo.requested = parse_backend_option(demo_backend);
      return gpustream::app::run_demo(demo);
    }
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
