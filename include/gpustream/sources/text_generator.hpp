#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gpustream {

/// What a text_generator writes.
enum class generated_text {
  words,  ///< lines of words drawn Zipf-like from a fixed vocabulary
  logs,   ///< log lines: timestamp, level, component, message words, key=value pairs
};

struct text_generator_options {
  generated_text kind = generated_text::words;
  std::uint64_t seed = 42;
  std::size_t vocabulary = 100000;  ///< distinct words
  std::size_t min_words_per_line = 4;
  std::size_t max_words_per_line = 16;
};

/// Deterministic synthetic text for the demo, the generator source and
/// benchmarks: the same options give the same bytes. Writes whole lines only,
/// each ending in '\n'. Not thread-safe; use one per thread.
class text_generator {
 public:
  /// Throws gpustream::logic_error for an empty vocabulary or a word range
  /// whose minimum exceeds its maximum.
  explicit text_generator(text_generator_options options = {});

  /// Appends whole lines to `dst` until the next line would not fit in
  /// `capacity` bytes; returns the bytes written (0 only when capacity is
  /// smaller than one line, at most a few hundred bytes).
  std::size_t fill(char* dst, std::size_t capacity);

  /// Lines and words written so far.
  std::uint64_t lines() const noexcept { return lines_; }
  std::uint64_t words() const noexcept { return words_; }

 private:
  std::uint64_t next() noexcept;
  std::size_t pick_word() noexcept;
  std::size_t write_line(char* dst, std::size_t capacity);

  text_generator_options options_;
  std::vector<std::string> vocabulary_;
  std::vector<std::uint32_t> zipf_table_;
  std::uint64_t state_;
  std::uint64_t lines_ = 0;
  std::uint64_t words_ = 0;
  std::uint64_t clock_ms_ = 1764000000000;  // log timestamps advance from here
};

}  // namespace gpustream
