// Uses an installed gpustream: counts words on whichever backend is present.
#include <gpustream/gpustream.hpp>

#include <iostream>
#include <map>
#include <string>

int main() {
  const std::string text = "to be or\nnot to be\n";
  gpustream::stream s{gpustream::backend::automatic};
  const auto input = gpustream::column<char>::from_host(text.data(), static_cast<gpustream::size_type>(text.size()), s);
  const auto table = gpustream::word_count(input.view(), s);
  const auto keys = table.keys.to_host();
  const auto values = table.values.to_host();
  std::map<std::string, long long> sorted;
  for (std::size_t i = 0; i < keys.size(); ++i) sorted[keys[i]] = values[i];
  for (const auto& [k, v] : sorted) std::cout << k << '=' << v << (k == "to" ? "\n" : " ");
  return 0;
}
