#pragma once

// Random text for tests: words over several alphabets (ASCII, UTF-8
// multibyte, invalid UTF-8, NUL bytes) separated by runs of every kind of
// whitespace, with LF and CRLF line ends.

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace gpustream::test {

struct text_options {
  std::size_t bytes = 1 << 16;       // approximate size
  std::size_t vocabulary = 500;      // distinct words to draw from
  bool crlf = true;                  // mix CRLF line ends in
  bool binary = true;                // NUL bytes and invalid UTF-8 inside words
  bool trailing_newline = true;
};

inline std::vector<std::string> make_vocabulary(std::mt19937_64& rng, std::size_t count, bool binary) {
  static const std::vector<std::string> utf8 = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                                "\xD0\x96", "\xE4\xB8\xAD"};
  std::vector<std::string> words;
  words.reserve(count);
  std::uniform_int_distribution<int> len(1, 12);
  std::uniform_int_distribution<int> kind(0, 19);
  std::uniform_int_distribution<int> letter('a', 'z');
  for (std::size_t i = 0; i < count; ++i) {
    std::string w;
    const int n = len(rng);
    for (int j = 0; j < n; ++j) {
      const int k = kind(rng);
      if (k < 15) {
        w += static_cast<char>(letter(rng));
      } else if (k < 17) {
        w += utf8[static_cast<std::size_t>(rng() % utf8.size())];
      } else if (binary && k == 17) {
        w += '\0';
      } else if (binary && k == 18) {
        w += static_cast<char>(0x80 + rng() % 0x40);  // stray continuation byte
      } else {
        w += static_cast<char>('0' + rng() % 10);
      }
    }
    words.push_back(std::move(w));
  }
  return words;
}

inline std::string make_text(std::mt19937_64& rng, const text_options& o) {
  const auto vocab = make_vocabulary(rng, o.vocabulary, o.binary);
  static const char* separators[] = {" ", " ", " ", "  ", "\t", " \t ", "\v", "\f", "   "};
  std::string text;
  text.reserve(o.bytes + 64);
  std::uniform_int_distribution<int> words_per_line(0, 15);
  while (text.size() < o.bytes) {
    const int n = words_per_line(rng);
    if (rng() % 8 == 0) text += separators[rng() % 9];  // leading whitespace
    for (int i = 0; i < n; ++i) {
      if (i > 0) text += separators[rng() % 9];
      // Zipf-like: small indices are much more frequent.
      const std::size_t idx = static_cast<std::size_t>(
          static_cast<double>(vocab.size()) * std::pow(std::uniform_real_distribution<double>(0, 1)(rng), 3.0));
      text += vocab[std::min(idx, vocab.size() - 1)];
    }
    if (rng() % 8 == 0) text += separators[rng() % 9];  // trailing whitespace
    text += (o.crlf && rng() % 3 == 0) ? "\r\n" : "\n";
  }
  if (!o.trailing_newline) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    text += "tail";
  }
  return text;
}

}  // namespace gpustream::test
