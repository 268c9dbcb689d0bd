// The child of the crash tests (crash_test.py): a stateful, windowed word
// count with checkpoints and the write-ahead log, writing every batch with
// save_as_text_files:
//   <out>/counts-<t>  the batch's word counts (reduce_by_key)
//   <out>/window-<t>  the counts of the last --window-batches batches
//                     (reduce_by_key_and_window with an inverse, zeros dropped)
//   <out>/totals-<t>  the running totals (update_state_by_key, sum)
// It runs until SIGTERM or SIGINT, then stops gracefully
// (streaming_options::stop_on_signals); the tests kill it with SIGKILL at
// random moments and start it again.
//
//   crash_app --source dir:PATH|socket:HOST:PORT --checkpoint DIR --out DIR
//             [--backend cpu|cuda] [--batch-ms N] [--window-batches N]
//             [--checkpoint-batches N]
// Exit status: 0 after a graceful stop, 77 when the backend cannot run here
// (a CUDA run without a GPU: the test is skipped), 2 for bad arguments, 1 for
// any other failure.

#include <gpustream/gpustream.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

namespace {

int usage(const std::string& problem) {
  std::cerr << "crash_app: " << problem
            << "\nusage: crash_app --source dir:PATH|socket:HOST:PORT --checkpoint DIR --out DIR [--backend cpu|cuda] "
               "[--batch-ms N] [--window-batches N] [--checkpoint-batches N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--backend", "cpu"},
                                          {"--batch-ms", "200"},
                                          {"--window-batches", "3"},
                                          {"--checkpoint-batches", "2"}};
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (args.count(key) == 0 && key != "--source" && key != "--checkpoint" && key != "--out") {
      return usage("unknown option " + key);
    }
    if (i + 1 >= argc) return usage(key + " needs a value");
    args[key] = argv[i + 1];
  }
  for (const char* required : {"--source", "--checkpoint", "--out"}) {
    if (args.count(required) == 0) return usage(std::string{required} + " is required");
  }

  try {
    const gpustream::backend b = gpustream::parse_backend(args["--backend"]);
    if (b == gpustream::backend::cuda && !gpustream::cuda_device_available()) {
      std::cerr << "crash_app: CUDA backend skipped: no usable CUDA device here\n";
      return 77;
    }
    const long batch_ms = std::stol(args["--batch-ms"]);
    const long window = std::stol(args["--window-batches"]);
    const long every = std::stol(args["--checkpoint-batches"]);

    gpustream::streaming_options o;
    o.batch_interval = std::chrono::milliseconds{batch_ms};
    o.requested_backend = b;
    o.block_bytes = 1 << 20;
    o.max_record_bytes = 64 << 10;
    o.blocks_per_receiver = 8;
    o.checkpoint_interval = std::chrono::milliseconds{batch_ms * every};
    o.write_ahead_log = true;
    o.stop_on_signals = true;
    const std::string dir = args["--checkpoint"];
    auto ctx = gpustream::streaming_context::get_or_create(dir, [&] {
      return std::make_unique<gpustream::streaming_context>(o);
    });

    const std::string source = args["--source"];
    gpustream::dstream<std::string> lines = [&] {
      if (source.rfind("dir:", 0) == 0) return ctx->text_file_stream(source.substr(4));
      if (source.rfind("socket:", 0) == 0) {
        const std::string address = source.substr(7);
        const auto colon = address.rfind(':');
        gpustream::socket_stream_options so;
        so.reconnect_delay = std::chrono::milliseconds{50};
        return ctx->socket_text_stream(address.substr(0, colon),
                                       static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))), so);
      }
      throw std::invalid_argument{"unknown source " + source};
    }();
    const std::string out = args["--out"];
    const auto pairs = lines.flat_map(gpustream::split_words).map(gpustream::pair_with_one);
    pairs.reduce_by_key().save_as_text_files(out + "/counts");
    pairs
        .reduce_by_key_and_window(gpustream::aggregation::sum, gpustream::with_inverse{true},
                                  std::chrono::milliseconds{batch_ms * window})
        .save_as_text_files(out + "/window");
    pairs.update_state_by_key(gpustream::aggregation::sum).save_as_text_files(out + "/totals");

    ctx->start();
    ctx->await_termination();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "crash_app: " << e.what() << '\n';
    return 1;
  }
}
