#pragma once

#include <gpustream/core/backend.hpp>

#include <cstddef>

namespace gpustream::app {

struct demo_options {
  int batches = 5;
  std::size_t batch_mib = 16;
  int interval_ms = 1000;
  int top = 10;
  backend requested = backend::automatic;
  bool quiet_log = false;
};

/// The README's demo: a word count over generated text, printed batch by batch
/// in Spark's pprint form; returns the process exit code.
int run_demo(const demo_options& options);

}  // namespace gpustream::app
