// A stream joined with a static table (Spark's transform(rdd => rdd.join(table))):
// every batch, the counts of the words received that appear in a table of word
// weights, each count multiplied by the word's weight. Words not in the table
// are left out (an inner join). The table is a file of "word weight" lines
// (--table), or a small built-in one.
//
//   nc -lk 9999
//   build/bin/network_join localhost 9999 --table weights.txt

#include "socket_example.hpp"

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

std::unordered_map<std::string, std::int64_t> load_table(const std::string& path) {
  std::unordered_map<std::string, std::int64_t> table;
  if (path.empty()) {
    table = {{"error", 100}, {"warning", 10}, {"info", 1}, {"gpu", 5}, {"stream", 2}};
    return table;
  }
  std::ifstream in{path};
  if (!in) throw std::invalid_argument{"--table: cannot read '" + path + "'"};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream fields{line};
    std::string word;
    std::int64_t weight = 0;
    if (!(fields >> word)) continue;  // a blank line
    std::string rest;
    if (!(fields >> weight) || (fields >> rest)) {
      throw std::invalid_argument{"--table: line " + std::to_string(number) + " of '" + path +
                                  "' is not 'word weight': " + line};
    }
    table[word] = weight;
  }
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  std::string table_path;
  gpustream::examples::socket_example ex;
  ex.name = "network_join";
  ex.description = "Joins each batch's word counts with a static table of word weights";
  ex.options = [&](CLI::App& app) {
    app.add_option("--table", table_path, "File of 'word weight' lines (default: a small built-in table)");
  };
  ex.graph = [&](gpustream::streaming_context&, gpustream::dstream<std::string> lines) {
    auto table = load_table(table_path);
    lines.flat_map(gpustream::split_words)
        .map(gpustream::pair_with_one)
        .reduce_by_key()
        .transform([table = std::move(table)](const std::vector<gpustream::word_pair>& counts) {
          std::vector<gpustream::word_pair> joined;
          for (const auto& [word, count] : counts) {
            const auto it = table.find(word);
            if (it != table.end()) joined.emplace_back(word, count * it->second);
          }
          return joined;
        })
        .print();
  };
  return gpustream::examples::run(ex, argc, argv);
}
