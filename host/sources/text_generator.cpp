#include <gpustream/core/error.hpp>
#include <gpustream/sources/text_generator.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gpustream {
namespace {

constexpr const char* levels[] = {"INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
constexpr const char* components[] = {"http", "db", "cache", "auth", "scheduler", "worker"};

std::uint64_t splitmix(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

text_generator::text_generator(text_generator_options options)
    : options_{options}, state_{options.seed} {
  GPUSTREAM_EXPECTS(options_.vocabulary > 0, "text_generator: the vocabulary must not be empty");
  GPUSTREAM_EXPECTS(options_.min_words_per_line <= options_.max_words_per_line,
                    "text_generator: min_words_per_line exceeds max_words_per_line");
  GPUSTREAM_EXPECTS(options_.max_words_per_line <= 64,
                    "text_generator: at most 64 words per line");
  // Pronounceable words of 3-12 letters; duplicates are fine (they only merge counts).
  static constexpr char consonants[] = "bcdfghjklmnprstvwz";
  static constexpr char vowels[] = "aeiou";
  std::uint64_t words_state = options_.seed ^ 0x5bd1e995u;
  vocabulary_.reserve(options_.vocabulary);
  for (std::size_t i = 0; i < options_.vocabulary; ++i) {
    const std::size_t len = 3 + splitmix(words_state) % 10;
    std::string w;
    for (std::size_t j = 0; j < len; ++j) {
      w += (j % 2 == 0) ? consonants[splitmix(words_state) % 18] : vowels[splitmix(words_state) % 5];
    }
    vocabulary_.push_back(std::move(w));
  }
  // Zipf(1) over the vocabulary, sampled through a 64 Ki-entry inverse-CDF table.
  const std::size_t n = vocabulary_.size();
  double total = 0;
  for (std::size_t r = 1; r <= n; ++r) total += 1.0 / static_cast<double>(r);
  zipf_table_.resize(1 << 16);
  double cumulative = 0;
  std::size_t rank = 0;
  for (std::size_t slot = 0; slot < zipf_table_.size(); ++slot) {
    const double target = (static_cast<double>(slot) + 0.5) / static_cast<double>(zipf_table_.size());
    while (rank + 1 < n && cumulative + 1.0 / static_cast<double>(rank + 1) / total < target) {
      cumulative += 1.0 / static_cast<double>(rank + 1) / total;
      ++rank;
    }
    zipf_table_[slot] = static_cast<std::uint32_t>(rank);
  }
}

std::uint64_t text_generator::next() noexcept { return splitmix(state_); }

std::size_t text_generator::pick_word() noexcept {
  const std::uint64_t r = next();
  // The table gives the head of the distribution; the low bits spread each slot
  // over the ranks it stands for, so that the tail of the vocabulary appears too.
  const std::size_t slot = static_cast<std::size_t>(r & 0xFFFF);
  const std::size_t lo = zipf_table_[slot];
  const std::size_t hi = slot + 1 < zipf_table_.size() ? zipf_table_[slot + 1] : vocabulary_.size() - 1;
  return hi > lo ? lo + static_cast<std::size_t>((r >> 16) % (hi - lo + 1)) : lo;
}

std::size_t text_generator::write_line(char* dst, std::size_t capacity) {
  char line[2048];
  std::size_t len = 0;
  auto put = [&](const char* s, std::size_t n) {
    std::memcpy(line + len, s, n);
    len += n;
  };
  const std::size_t span = options_.max_words_per_line - options_.min_words_per_line + 1;
  const std::size_t count = options_.min_words_per_line + static_cast<std::size_t>(next() % span);
  std::uint64_t words = 0;
  if (options_.kind == generated_text::logs) {
    clock_ms_ += next() % 3;
    const std::uint64_t secs = clock_ms_ / 1000;
    char head[96];
    const int n = std::snprintf(head, sizeof(head), "%llu.%03llu %s [%s-%llu] ",
                                static_cast<unsigned long long>(secs),
                                static_cast<unsigned long long>(clock_ms_ % 1000),
                                levels[next() % 7], components[next() % 6],
                                static_cast<unsigned long long>(next() % 16));
    put(head, static_cast<std::size_t>(n));
    words += 3;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) line[len++] = ' ';
    const std::string& w = vocabulary_[pick_word()];
    put(w.data(), w.size());
    ++words;
  }
  if (options_.kind == generated_text::logs) {
    char tail[64];
    const int n = std::snprintf(tail, sizeof(tail), " status=%d latency_ms=%llu",
                                (next() % 20 == 0) ? 500 : 200,
                                static_cast<unsigned long long>(next() % 250));
    put(tail, static_cast<std::size_t>(n));
    words += 2;
  }
  line[len++] = '\n';
  if (len > capacity) return 0;
  std::memcpy(dst, line, len);
  ++lines_;
  words_ += words;
  return len;
}

std::size_t text_generator::fill(char* dst, std::size_t capacity) {
  std::size_t written = 0;
  // Each line is built in scratch space first: one that does not fit is
  // discarded, so no partial line is ever written.
  for (;;) {
    const std::size_t n = write_line(dst + written, capacity - written);
    if (n == 0) break;
    written += n;
  }
  return written;
}

}  // namespace gpustream
