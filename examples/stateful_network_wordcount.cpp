// Spark's StatefulNetworkWordCount on gpustream: the running count of every
// word since the start, updated and printed every batch. The state (one total
// per word) lives in backend memory and is merged with each batch's counts
// there (update_state_by_key with a sum).
//
//   nc -lk 9999                                         # one terminal
//   build/bin/stateful_network_wordcount localhost 9999 # another

#include "socket_example.hpp"

int main(int argc, char** argv) {
  gpustream::examples::socket_example ex;
  ex.name = "stateful_network_wordcount";
  ex.description = "Running word counts of the lines a TCP server sends (Spark's StatefulNetworkWordCount)";
  ex.graph = [](gpustream::streaming_context&, gpustream::dstream<std::string> lines) {
    lines.flat_map(gpustream::split_words)
        .map(gpustream::pair_with_one)
        .update_state_by_key(gpustream::aggregation::sum)
        .print();
  };
  return gpustream::examples::run(ex, argc, argv);
}
