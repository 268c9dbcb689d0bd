// Spark's NetworkWordCount on gpustream: counts the words in the text received
// from a TCP server every batch interval and prints the counts of each batch.
//
// Start a server that sends lines, e.g. `nc -lk 9999`, then, in another terminal,
//   build/bin/network_wordcount localhost 9999
// and type lines into nc. Ctrl-C (SIGINT) or SIGTERM stops it gracefully: the
// text already received is counted first.

#include "socket_example.hpp"

int main(int argc, char** argv) {
  gpustream::examples::socket_example ex;
  ex.name = "network_wordcount";
  ex.description = "Counts the words of the lines a TCP server sends, batch by batch (Spark's NetworkWordCount)";
  ex.graph = [](gpustream::streaming_context&, gpustream::dstream<std::string> lines) {
    auto words = lines.flat_map(gpustream::split_words);
    auto word_counts = words.map(gpustream::pair_with_one).reduce_by_key();
    word_counts.print();
  };
  return gpustream::examples::run(ex, argc, argv);
}
