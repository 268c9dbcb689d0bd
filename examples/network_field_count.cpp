// Counts the fields of delimited lines (CSV-like records) from a TCP server,
// with the user's functors on the backend: the split on the delimiters
// (flat_map) and the threshold on the counts (filter) run as kernels on the
// CUDA backend, because this file is compiled by nvcc in the CUDA build; the
// same source compiled by a host compiler runs them on the host.
//
//   nc -lk 9999                      (then type: a,b;c / a,,b)
//   build/bin/network_field_count localhost 9999 --delimiters ',;' --min-count 2

#include "socket_example.hpp"

#include <gpustream/gpustream.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

/// The non-empty fields of a record between delimiter bytes (at most 8 of them).
struct split_fields {
  char delimiters[8];
  int count;
  GPUSTREAM_HOST_DEVICE bool is_delimiter(char c) const {
    for (int i = 0; i < count; ++i) {
      if (c == delimiters[i]) return true;
    }
    return false;
  }
  GPUSTREAM_HOST_DEVICE void operator()(gpustream::string_ref record, gpustream::substring_sink& emit) const {
    gpustream::length_type begin = 0;
    for (gpustream::length_type i = 0; i <= record.size; ++i) {
      if (i == record.size || is_delimiter(record.data[i])) {
        if (i > begin) emit(begin, i - begin);
        begin = i + 1;
      }
    }
  }
};

struct at_least {
  std::int64_t min;
  GPUSTREAM_HOST_DEVICE bool operator()(gpustream::string_ref, std::int64_t count) const { return count >= min; }
};

}  // namespace

int main(int argc, char** argv) {
  std::string delimiters = ",";
  std::int64_t min_count = 1;
  gpustream::examples::socket_example ex;
  ex.name = "network_field_count";
  ex.description = "Counts the fields of delimited lines a TCP server sends, per batch, on the backend";
  ex.options = [&](CLI::App& app) {
    app.add_option("--delimiters", delimiters, "Bytes that separate fields (1 to 8 of them)")->capture_default_str();
    app.add_option("--min-count", min_count, "Print only fields seen at least this often in a batch")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  };
  ex.graph = [&](gpustream::streaming_context&, gpustream::dstream<std::string> lines) {
    if (delimiters.empty() || delimiters.size() > 8) {
      throw std::invalid_argument{"--delimiters: give 1 to 8 bytes, not " + std::to_string(delimiters.size())};
    }
    split_fields split{};
    split.count = static_cast<int>(delimiters.size());
    for (std::size_t i = 0; i < delimiters.size(); ++i) split.delimiters[i] = delimiters[i];
    lines.flat_map(gpustream::on_device(split))
        .map(gpustream::pair_with_one)
        .reduce_by_key(gpustream::aggregation::sum)
        .filter(gpustream::on_device(at_least{min_count}))
        .print();
  };
  return gpustream::examples::run(ex, argc, argv);
}
