// Uses an installed gpustream: counts words on whichever backend is present,
// then runs a streaming word count that stops gracefully on SIGTERM
// (stop_on_signals), the signal raised by the program itself once it has
// printed a batch.
#include <gpustream/gpustream.hpp>

#include <csignal>
#include <iostream>
#include <map>
#include <string>
#include <vector>

int main() {
  const std::string text = "to be or\nnot to be\n";
  gpustream::stream s{gpustream::backend::automatic};
  const auto input = gpustream::array<char>::from_host(text.data(), static_cast<gpustream::size_type>(text.size()), s);
  const auto table = gpustream::word_count(input.view(), s);
  const auto keys = table.keys.to_host();
  const auto values = table.values.to_host();
  std::map<std::string, long long> sorted;
  for (std::size_t i = 0; i < keys.size(); ++i) sorted[keys[i]] = values[i];
  for (const auto& [k, v] : sorted) std::cout << k << '=' << v << (k == "to" ? "\n" : " ");

  gpustream::streaming_options options;
  options.batch_interval = gpustream::parse_duration("50ms");
  options.stop_on_signals = true;
  options.log_batches = false;
  gpustream::streaming_context ssc{options};
  ssc.queue_stream({{"a b a"}})
      .flat_map(gpustream::split_words)
      .map(gpustream::pair_with_one)
      .reduce_by_key()
      .foreach_batch([](const std::vector<gpustream::word_pair>& batch, gpustream::batch_time) {
        if (batch.empty()) return;
        std::map<std::string, long long> counts{batch.begin(), batch.end()};
        for (const auto& [k, v] : counts) std::cout << k << '=' << v << ' ';
        std::cout << std::flush;
        std::raise(SIGTERM);
      });
  ssc.start();
  ssc.await_termination();
  std::cout << "stopped\n";
  return 0;
}
