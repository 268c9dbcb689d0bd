// Word counts over a sliding window (Spark's reduceByKeyAndWindow(_ + _, _ - _,
// Seconds(30), Seconds(10)) example): every slide, the counts of the last
// window of text. Incremental: each window is the previous one plus the batches
// entering it minus the batches leaving it, and words whose count falls to 0
// are dropped. Only each batch's counts are kept, never its text.
//
//   nc -lk 9999
//   build/bin/windowed_network_wordcount localhost 9999 --window 30s --slide 10s

#include "socket_example.hpp"

int main(int argc, char** argv) {
  std::string window_text = "30s";
  std::string slide_text = "10s";
  gpustream::examples::socket_example ex;
  ex.name = "windowed_network_wordcount";
  ex.description = "Word counts over a sliding window of the lines a TCP server sends";
  ex.options = [&](CLI::App& app) {
    app.add_option("--window", window_text, "Window length, a multiple of the batch interval")->capture_default_str();
    app.add_option("--slide", slide_text, "Slide, a multiple of the batch interval")->capture_default_str();
  };
  ex.graph = [&](gpustream::streaming_context&, gpustream::dstream<std::string> lines) {
    const auto window = gpustream::parse_duration(window_text, "window length");
    const auto slide = gpustream::parse_duration(slide_text, "slide");
    lines.flat_map(gpustream::split_words)
        .map(gpustream::pair_with_one)
        .reduce_by_key_and_window(gpustream::aggregation::sum, gpustream::with_inverse{true}, window, slide)
        .print();
  };
  return gpustream::examples::run(ex, argc, argv);
}
