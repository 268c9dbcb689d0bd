// Trending words from a TCP server: each word's score decays by half every
// batch and grows by one for each time the word is seen, so that a word seen
// often lately scores high and a word no longer seen fades away. Words are
// compared without case. The lowercasing (map with a string_builder), the
// decayed score (update_state_by_key with a double state over integer counts)
// and the threshold (filter) are the user's functors; they run as kernels on
// the CUDA backend, because this file is compiled by nvcc in the CUDA build;
// the same source compiled by a host compiler runs them on the host.
//
//   nc -lk 9999                      (then type words)
//   build/bin/network_trending_words localhost 9999 --decay 0.5 --min-score 2

#include "socket_example.hpp"

#include <gpustream/gpustream.hpp>

#include <stdexcept>
#include <string>

namespace {

/// The word in ASCII lower case, with a count of 1.
struct lowercase_with_one {
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(gpustream::string_ref word, gpustream::string_builder& b) const {
    for (gpustream::length_type i = 0; i < word.size; ++i) {
      const char c = word.data[i];
      b.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return 1;
  }
};

/// The score: the last one times `decay`, plus the batch's count; a word
/// whose score falls below `floor` is forgotten.
struct decayed_score {
  double decay;
  double floor;
  GPUSTREAM_HOST_DEVICE gpustream::device_optional<double> operator()(
      gpustream::device_span<std::int64_t> counts, gpustream::device_optional<double> score) const {
    double s = score.has_value() ? *score * decay : 0.0;
    for (gpustream::size_type i = 0; i < counts.size; ++i) s += static_cast<double>(counts[i]);
    if (s < floor) return {};
    return {true, s};
  }
};

struct at_least {
  double min;
  GPUSTREAM_HOST_DEVICE bool operator()(gpustream::string_ref, double score) const { return score >= min; }
};

}  // namespace

int main(int argc, char** argv) {
  double decay = 0.5;
  double min_score = 2.0;
  gpustream::examples::socket_example ex;
  ex.name = "network_trending_words";
  ex.description =
      "Prints the words a TCP server sends whose decayed score (halved each batch by default, plus one per "
      "occurrence; case ignored) is at least --min-score, every batch";
  ex.options = [&](CLI::App& app) {
    app.add_option("--decay", decay, "Factor applied to every score each batch, in (0, 1)")->capture_default_str();
    app.add_option("--min-score", min_score, "Print only words whose score is at least this")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  };
  ex.graph = [&](gpustream::streaming_context&, gpustream::dstream<std::string> lines) {
    if (!(decay > 0.0 && decay < 1.0)) {
      throw std::invalid_argument{"--decay: give a factor between 0 and 1 (exclusive), not " + std::to_string(decay)};
    }
    // Words below a hundredth of the threshold are forgotten: they would
    // take many batches to come back above it.
    lines.flat_map(gpustream::split_words)
        .map(gpustream::on_device(lowercase_with_one{}))
        .update_state_by_key(gpustream::on_device(decayed_score{decay, min_score / 100}))
        .filter(gpustream::on_device(at_least{min_score}))
        .print();
  };
  return gpustream::examples::run(ex, argc, argv);
}
