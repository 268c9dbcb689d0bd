#pragma once

// Simple host references for the operators: obviously correct, slow.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gpustream::test {

inline bool ref_is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

inline std::vector<std::string> ref_split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      std::size_t end = i;
      if (end > start && text[end - 1] == '\r') --end;
      lines.push_back(text.substr(start, end - start));
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

inline std::vector<std::string> ref_tokenize(const std::string& line) {
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : line) {
    if (ref_is_space(c)) {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tokens.push_back(cur);
  return tokens;
}

inline std::vector<std::string> ref_tokenize_all(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    auto t = ref_tokenize(l);
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

inline std::map<std::string, std::int64_t> ref_word_count(const std::string& text) {
  std::map<std::string, std::int64_t> counts;
  for (const auto& w : ref_tokenize(text)) ++counts[w];
  return counts;
}

inline std::vector<std::string> ref_filter(const std::vector<std::string>& lines, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) out.push_back(l);
  }
  return out;
}

}  // namespace gpustream::test
