// Word-count benchmark: gpustream::word_count on each backend and algorithm
// against a single-thread std::unordered_map word count over the same text.
//
// The text is generated in memory from a fixed seed: lines of 10-15 words drawn
// from a 100,000-word vocabulary with Zipf (s = 1) frequencies, so every run on
// every machine counts the same bytes. Each path reports the median and the
// spread (min-max) of several timed runs, and every run's result is checked.

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using gpustream::backend;
using gpustream::array;
using gpustream::array_view;
using gpustream::key_value_table;
using gpustream::reduce_algorithm;
using gpustream::stream_view;

constexpr std::size_t mib = std::size_t{1} << 20;
constexpr std::uint64_t seed = 0x5EED'C0DE'2024'0001ull;
constexpr std::size_t vocabulary_size = 100'000;
constexpr double zipf_exponent = 1.0;
constexpr int min_word = 3;
constexpr int max_word = 12;
constexpr int min_words_per_line = 10;
constexpr int max_words_per_line = 15;
constexpr std::size_t default_size_mib = 1024;
constexpr std::size_t default_sort_size_mib = 128;
constexpr int default_runs = 5;

// ---------------------------------------------------------------- options

struct options {
  std::size_t size_mib = default_size_mib;
  std::size_t sort_size_mib = default_sort_size_mib;
  int runs = default_runs;
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: word_count_bench [--size-mib N] [--sort-size-mib N] [--runs N] [--help]\n"
               "\n"
               "Times a word count over generated text (lines of 10-15 words drawn with Zipf\n"
               "frequencies from a %zu-word vocabulary, fixed seed): a single-thread\n"
               "std::unordered_map baseline, gpustream::word_count on the CPU backend (the\n"
               "OpenMP hash path; tokens first, then reduce_by_key's hash path over integer\n"
               "and over double values, the unfused steps of a graph that reduces keys it\n"
               "made itself; lines, then their tokens, then count_by_key, the steps of a\n"
               "graph that tokenizes lines it kept; the portable one-pass table,\n"
               "word_count_table; and the portable sort path) and, when a GPU is usable,\n"
               "on the CUDA backend (data resident on the device by the default path, the\n"
               "one-pass table by its per-thread kernel, by its per-warp kernel, and by the\n"
               "sort path; tokens, then count_by_key by the sort path and by its\n"
               "one-pass table; and end to end from pinned host memory). Then a count\n"
               "by 64-bit id, reduce_by_key over integer keys (each word's hash as its id),\n"
               "against a single-thread std::unordered_map: the CPU's hash and sort paths\n"
               "and CUDA's sort path.\n"
               "Every path's counts are checked against the generator and the baseline;\n"
               "the exit status is 1 when a check fails.\n"
               "\n"
               "  --size-mib N       text size in MiB (default %zu)\n"
               "  --sort-size-mib N  text size for the CPU sort path, capped at --size-mib\n"
               "                     (default %zu): that path holds about ten bytes of\n"
               "                     temporaries per input byte and took about 9 s per GiB\n"
               "                     on 2 cores. When it is smaller than --size-mib, the\n"
               "                     baseline is also timed on that prefix of the text, and\n"
               "                     the sort row's ratio uses that baseline.\n"
               "  --runs N           timed runs per path; the median, min and max are shown\n"
               "                     (default %d)\n"
               "  --help             this text\n",
               vocabulary_size, default_size_mib, default_sort_size_mib, default_runs);
}

/// Parses a positive integer no larger than `max`; nullopt for anything else.
std::optional<std::size_t> parse_positive(const char* text, std::size_t max) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  std::size_t v = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return std::nullopt;
    v = v * 10 + static_cast<std::size_t>(*p - '0');
    if (v > max) return std::nullopt;
  }
  if (v == 0) return std::nullopt;
  return v;
}

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "word_count_bench: %s (see --help)\n", msg.c_str());
  std::exit(2);
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    if (arg == "--help" || arg == "-h") {
      print_usage(stdout);
      std::exit(0);
    }
    const bool known = arg == "--size-mib" || arg == "--sort-size-mib" || arg == "--runs";
    if (!known) usage_error("unknown option '" + std::string{argv[i]} + "'");
    if (!has_value) {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      value = argv[++i];
    }
    const std::size_t max = arg == "--runs" ? 1000 : 1 << 20;
    const auto v = parse_positive(value.c_str(), max);
    if (!v) {
      usage_error(arg + " needs an integer from 1 to " + std::to_string(max) + ", got '" + value +
                  "'");
    }
    if (arg == "--size-mib") o.size_mib = *v;
    if (arg == "--sort-size-mib") o.sort_size_mib = *v;
    if (arg == "--runs") o.runs = static_cast<int>(*v);
  }
  o.sort_size_mib = std::min(o.sort_size_mib, o.size_mib);
  return o;
}

// ---------------------------------------------------------------- text generator

/// SplitMix64: one add and two multiplies per number, plenty for picking words.
class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t s) : state_{s} {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) from the high 32 bits (n < 2^32).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
  }

 private:
  std::uint64_t state_;
};

/// Walker/Vose alias table: O(1) sampling from a fixed discrete distribution,
/// one random number per draw, so 120 M draws cost about as much as writing them.
class alias_table {
 public:
  explicit alias_table(const std::vector<double>& weights) {
    const std::size_t n = weights.size();
    double total = 0;
    for (double w : weights) total += w;
    std::vector<double> scaled(n);
    for (std::size_t i = 0; i < n; ++i) scaled[i] = weights[i] * static_cast<double>(n) / total;
    threshold_.assign(n, UINT32_MAX);
    alias_.resize(n);
    for (std::size_t i = 0; i < n; ++i) alias_[i] = static_cast<std::uint32_t>(i);
    std::vector<std::uint32_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back();
      small.pop_back();
      const std::uint32_t l = large.back();
      threshold_[s] = static_cast<std::uint32_t>(std::min(scaled[s] * 4294967296.0, 4294967295.0));
      alias_[s] = l;
      scaled[l] -= 1.0 - scaled[s];
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Leftovers are 1.0 up to rounding: they keep threshold = max (always self).
  }

  std::uint32_t sample(splitmix64& rng) const {
    const std::uint64_t r = rng.next();
    const auto i = static_cast<std::uint32_t>(((r >> 32) * threshold_.size()) >> 32);
    return static_cast<std::uint32_t>(r) < threshold_[i] ? i : alias_[i];
  }

 private:
  std::vector<std::uint32_t> threshold_;
  std::vector<std::uint32_t> alias_;
};

struct generated_text {
  std::vector<char> bytes;  // size() = requested size + slack; the text is the first `size`
  std::size_t size = 0;
  std::int64_t words = 0;
  std::int64_t lines = 0;
  // Words that start in the first `prefix_size` bytes (a prefix may end inside a word,
  // which then counts as a shorter word there).
  std::size_t prefix_size = 0;
  std::int64_t prefix_words = 0;
  double seconds = 0;
};

/// Generates `size` bytes of text, the same bytes for a given size whatever
/// `prefix_size` is, and counts the words starting in the first `prefix_size`.
/// Words are written with a fixed 16-byte copy (the vocabulary is padded); the
/// few bytes at the end that cannot hold another word are '\n'.
generated_text generate_text(std::size_t size, std::size_t prefix_size) {
  const auto t0 = clock_type::now();
  constexpr std::size_t slot = 16;
  static_assert(max_word + 1 <= static_cast<int>(slot), "a word and its separator fit a slot");

  splitmix64 rng{seed};
  std::vector<std::array<char, slot>> vocab(vocabulary_size);
  std::vector<std::uint8_t> vocab_len(vocabulary_size);
  {
    std::unordered_set<std::string> seen;
    seen.reserve(vocabulary_size * 2);
    for (std::size_t i = 0; i < vocabulary_size;) {
      const int len = min_word + static_cast<int>(rng.below(max_word - min_word + 1));
      std::string w(static_cast<std::size_t>(len), 'a');
      for (char& c : w) c = static_cast<char>('a' + rng.below(26));
      if (!seen.insert(w).second) continue;
      vocab[i].fill(' ');
      std::memcpy(vocab[i].data(), w.data(), w.size());
      vocab_len[i] = static_cast<std::uint8_t>(len);
      ++i;
    }
  }
  // Rank r (1-based) has weight 1 / r^s; the vocabulary order is random, so a
  // word's frequency does not depend on its length.
  std::vector<double> weights(vocabulary_size);
  for (std::size_t r = 0; r < vocabulary_size; ++r) {
    weights[r] = 1.0 / std::pow(static_cast<double>(r + 1), zipf_exponent);
  }
  const alias_table zipf{weights};

  generated_text out;
  out.size = size;
  out.bytes.resize(size + slot);
  char* d = out.bytes.data();
  std::size_t pos = 0;

  out.prefix_size = prefix_size;
  {
    int left_in_line = 0;
    while (pos + max_word + 1 <= size) {
      if (left_in_line == 0) {
        left_in_line = min_words_per_line +
                       static_cast<int>(rng.below(max_words_per_line - min_words_per_line + 1));
      }
      const std::uint32_t w = zipf.sample(rng);
      if (pos < prefix_size) ++out.prefix_words;
      std::memcpy(d + pos, vocab[w].data(), slot);
      pos += vocab_len[w];
      --left_in_line;
      d[pos++] = left_in_line == 0 ? '\n' : ' ';
      ++out.words;
      if (left_in_line == 0) ++out.lines;
    }
    if (pos > 0 && d[pos - 1] == ' ') {
      d[pos - 1] = '\n';
      ++out.lines;
    }
    std::memset(d + pos, '\n', size - pos);
  }
  out.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  return out;
}

// ---------------------------------------------------------------- reference count

using reference_counts = std::unordered_map<std::string_view, std::int64_t>;

constexpr std::array<bool, 256> separator_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<std::size_t>(c)] = gpustream::is_token_separator(static_cast<char>(c));
  }
  return t;
}
constexpr std::array<bool, 256> separators = separator_table();

/// The baseline: what one would write without gpustream.
reference_counts baseline_word_count(const char* text, std::size_t n) {
  reference_counts counts;
  std::size_t p = 0;
  while (p < n) {
    while (p < n && separators[static_cast<unsigned char>(text[p])]) ++p;
    const std::size_t start = p;
    while (p < n && !separators[static_cast<unsigned char>(text[p])]) ++p;
    if (p > start) ++counts[std::string_view{text + start, p - start}];
  }
  return counts;
}

// ---------------------------------------------------------------- checks

struct check_state {
  bool ok = true;
  void fail(const std::string& msg) {
    std::fprintf(stderr, "CHECK FAILED: %s\n", msg.c_str());
    ok = false;
  }
};

/// Checks one result: the counts add up to the words written and there are as
/// many distinct keys as the baseline found. With `full`, every key's count is
/// also compared with the baseline's.
void check_table(const key_value_table& t, std::int64_t expected_words,
                 const reference_counts& ref, bool full, const std::string& what,
                 check_state& st) {
  const std::vector<std::int64_t> values = t.values.to_host();
  std::int64_t total = 0;
  for (std::int64_t v : values) total += v;
  if (total != expected_words) {
    st.fail(what + ": counts add up to " + std::to_string(total) + ", the generator wrote " +
            std::to_string(expected_words) + " words");
  }
  if (static_cast<std::size_t>(t.size()) != ref.size()) {
    st.fail(what + ": " + std::to_string(t.size()) + " distinct keys, baseline has " +
            std::to_string(ref.size()));
  }
  if (!full) return;
  const std::vector<std::string> keys = t.keys.to_host();
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto it = ref.find(keys[i]);
    if (it == ref.end() || it->second != values[i]) ++mismatches;
  }
  if (mismatches != 0) {
    st.fail(what + ": " + std::to_string(mismatches) + " keys differ from the baseline's counts");
  }
}

void check_reference(const reference_counts& ref, std::int64_t expected_words,
                     const std::string& what, check_state& st) {
  std::int64_t total = 0;
  for (const auto& kv : ref) total += kv.second;
  if (total != expected_words) {
    st.fail(what + ": counts add up to " + std::to_string(total) + ", the generator wrote " +
            std::to_string(expected_words) + " words");
  }
}

// ---------------------------------------------------------------- counts by integer id

using id_counts = std::unordered_map<std::int64_t, std::int64_t>;

/// The baseline of the id workload: a count per id in a std::unordered_map.
id_counts baseline_id_count(const std::vector<std::int64_t>& ids) {
  id_counts counts;
  for (std::int64_t id : ids) ++counts[id];
  return counts;
}

/// Checks a count by id: keys ascending, each once, the counts adding up to
/// the ids counted, as many keys as the baseline's; with `full`, every count
/// equal to the baseline's.
void check_id_table(const gpustream::int_key_table& t, std::int64_t expected, const id_counts& ref, bool full,
                    const std::string& what, check_state& st) {
  const std::vector<std::int64_t> keys = t.keys.to_host();
  const std::vector<std::int64_t> values = t.values.to_host();
  std::int64_t total = 0;
  for (std::int64_t v : values) total += v;
  if (total != expected) {
    st.fail(what + ": counts add up to " + std::to_string(total) + ", expected " + std::to_string(expected));
  }
  if (keys.size() != ref.size()) {
    st.fail(what + ": " + std::to_string(keys.size()) + " distinct ids, baseline has " + std::to_string(ref.size()));
  }
  if (!std::is_sorted(keys.begin(), keys.end()) || std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
    st.fail(what + ": ids not in strictly ascending order");
  }
  if (!full) return;
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto it = ref.find(keys[i]);
    if (it == ref.end() || it->second != values[i]) ++mismatches;
  }
  if (mismatches != 0) st.fail(what + ": " + std::to_string(mismatches) + " ids differ from the baseline's counts");
}

// ---------------------------------------------------------------- timing and table

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct row {
  std::string workload;
  std::string path;
  std::string device;
  std::size_t bytes = 0;
  std::int64_t words = 0;
  std::vector<double> seconds;  // one per timed run
  int baseline = -1;  // index of the single-thread baseline row at the same size; -1 for itself
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double gb_per_s(std::size_t bytes, double seconds) { return static_cast<double>(bytes) / seconds / 1e9; }

std::string format(const char* fmt, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a);
  return buf;
}

std::string size_label(std::size_t bytes) {
  if (bytes % mib == 0) return std::to_string(bytes / mib) + " MiB";
  return format("%.2f MiB", static_cast<double>(bytes) / static_cast<double>(mib));
}

void print_table(const std::vector<row>& rows) {
  const std::vector<std::string> head = {"workload",  "backend/path",  "device",
                                         "input",     "median GB/s",   "min-max GB/s",
                                         "Mwords/s",  "vs 1-thread baseline"};
  std::vector<std::vector<std::string>> cells;
  for (const row& r : rows) {
    const double med = median(r.seconds);
    const double lo = *std::min_element(r.seconds.begin(), r.seconds.end());
    const double hi = *std::max_element(r.seconds.begin(), r.seconds.end());
    const row& base = r.baseline >= 0 ? rows[static_cast<std::size_t>(r.baseline)] : r;
    const double ratio = gb_per_s(r.bytes, med) / gb_per_s(base.bytes, median(base.seconds));
    cells.push_back({r.workload, r.path, r.device, size_label(r.bytes),
                     format("%.3f", gb_per_s(r.bytes, med)),
                     format("%.3f", gb_per_s(r.bytes, hi)) + "-" + format("%.3f", gb_per_s(r.bytes, lo)),
                     format("%.1f", static_cast<double>(r.words) / med / 1e6),
                     format("%.2fx", ratio)});
  }
  std::vector<std::size_t> width(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& line : cells) width[c] = std::max(width[c], line[c].size());
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::printf("|");
    for (std::size_t c = 0; c < line.size(); ++c) {
      const bool numeric = c >= 3;
      std::printf(numeric ? " %*s |" : " %-*s |", static_cast<int>(width[c]), line[c].c_str());
    }
    std::printf("\n");
  };
  print_line(head);
  std::printf("|");
  for (std::size_t c = 0; c < head.size(); ++c) {
    std::printf("%s%s|", std::string(width[c] + 1, '-').c_str(), c >= 3 ? ":" : "-");
  }
  std::printf("\n");
  for (const auto& line : cells) print_line(line);
}

std::string cpu_model() {
  std::ifstream in{"/proc/cpuinfo"};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(colon + 1);
        name.erase(0, name.find_first_not_of(" \t"));
        return name;
      }
    }
  }
  return "unknown CPU";
}

/// Times `runs` calls of `once`, which returns the seconds of its timed region
/// (so that set-up and checks stay outside it).
std::vector<double> time_runs(int runs, const std::function<double()>& once) {
  std::vector<double> s;
  for (int i = 0; i < runs; ++i) s.push_back(once());
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const options opt = parse_options(argc, argv);
  try {
    const std::size_t size = opt.size_mib * mib;
    const std::size_t sort_size = opt.sort_size_mib * mib;

    std::printf("host: %s, %u hardware threads (std::thread::hardware_concurrency)\n",
                cpu_model().c_str(), std::thread::hardware_concurrency());
    const std::string cpu_backend = gpustream::describe_backend(backend::cpu);
    std::printf("gpustream cpu backend: %s\n", cpu_backend.c_str());
    std::string cuda_skip_reason;
    std::string gpu_device;
    if (gpustream::cuda_device_available()) {
      gpu_device = gpustream::describe_backend(backend::cuda);
      std::printf("gpustream cuda backend: %s\n", gpu_device.c_str());
    } else {
      try {
        (void)gpustream::resolve_backend(backend::cuda);
        cuda_skip_reason = "no usable GPU";
      } catch (const gpustream::backend_unavailable& e) {
        cuda_skip_reason = e.what();
      }
      std::printf("gpustream cuda backend: not available (%s)\n", cuda_skip_reason.c_str());
    }

    const generated_text text = generate_text(size, sort_size);
    std::printf("text: %zu bytes, %lld words, %lld lines, Zipf s=%.1f over %zu words of %d-%d "
                "letters, seed 0x%llx (generated in %.2f s)\n",
                text.size, static_cast<long long>(text.words), static_cast<long long>(text.lines),
                zipf_exponent, vocabulary_size, min_word, max_word,
                static_cast<unsigned long long>(seed), text.seconds);
    std::printf("timing: median of %d runs per path, min-max over the same runs\n\n", opt.runs);
    std::fflush(stdout);

    check_state st;
    const char* h_text = text.bytes.data();
    const std::string workload = "word count";
    std::vector<row> rows;

    // Baseline on the full text.
    reference_counts ref;
    {
      row r{workload, "baseline: std::unordered_map", "cpu, 1 thread", size, text.words, {}, -1};
      r.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        reference_counts c = baseline_word_count(h_text, size);
        const double s = seconds_since(t0);
        check_reference(c, text.words, "baseline", st);
        ref = std::move(c);
        return s;
      });
      rows.push_back(std::move(r));
    }
    const int base_full = 0;
    std::printf("baseline: %zu distinct words\n", ref.size());

    const std::string& cpu_device = cpu_backend;
    const array_view<char> cpu_text{h_text, static_cast<gpustream::size_type>(size), backend::cpu};

    // gpustream CPU backend, automatic (the OpenMP hash path).
    {
      row r{workload, "gpustream cpu: automatic (hash)", cpu_device, size, text.words, {}, base_full};
      int run = 0;
      r.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        key_value_table t = gpustream::word_count(cpu_text, stream_view::cpu(), nullptr,
                                                  reduce_algorithm::automatic);
        const double s = seconds_since(t0);
        check_table(t, text.words, ref, ++run == 1, "cpu automatic", st);
        return s;
      });
      rows.push_back(std::move(r));
    }

    // gpustream CPU backend, unfused: the token spans, then count_by_key's
    // hash path (reduce_by_key over keys a graph made itself takes it).
    {
      row r{workload, "gpustream cpu: tokens, count_by_key", cpu_device, size, text.words, {}, base_full};
      int run = 0;
      r.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        const gpustream::string_spans tokens = gpustream::tokenize_text(cpu_text, stream_view::cpu());
        key_value_table t = gpustream::count_by_key(tokens.view(), stream_view::cpu());
        const double s = seconds_since(t0);
        check_table(t, text.words, ref, ++run == 1, "cpu tokens + count_by_key", st);
        return s;
      });
      rows.push_back(std::move(r));
    }

    // Lines first, then the tokens of the lines: the steps of a graph whose
    // flat_map(split_words) follows a filter of the lines.
    {
      row r{workload, "gpustream cpu: lines, tokens, count_by_key", cpu_device, size, text.words, {}, base_full};
      int run = 0;
      r.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        const gpustream::string_spans lines = gpustream::split_lines(cpu_text, stream_view::cpu());
        const gpustream::string_spans tokens = gpustream::tokenize(lines.view(), stream_view::cpu());
        key_value_table t = gpustream::count_by_key(tokens.view(), stream_view::cpu());
        const double s = seconds_since(t0);
        check_table(t, text.words, ref, ++run == 1, "cpu lines + tokens + count_by_key", st);
        return s;
      });
      rows.push_back(std::move(r));
    }

    // The same over double values (1.0 a token, summed): reduce_by_key's
    // hash path for keyed doubles. The ones are made once, untimed.
    {
      row r{workload, "gpustream cpu: tokens, reduce_by_key (doubles)", cpu_device, size, text.words, {},
            base_full};
      const std::vector<double> ones(static_cast<std::size_t>(text.words), 1.0);
      const auto d_ones = array<double>::from_host(ones, stream_view::cpu());
      int run = 0;
      r.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        const gpustream::string_spans tokens = gpustream::tokenize_text(cpu_text, stream_view::cpu());
        const bool sizes_agree = tokens.size() == d_ones.size();
        gpustream::key_double_table t =
            sizes_agree ? gpustream::reduce_by_key(tokens.view(), d_ones.view(), gpustream::reduce_options{},
                                                   stream_view::cpu())
                        : gpustream::key_double_table{};
        const double s = seconds_since(t0);
        if (!sizes_agree) {
          st.fail("cpu doubles: " + std::to_string(tokens.size()) + " tokens, the generator wrote " +
                  std::to_string(text.words) + " words");
          return s;
        }
        const std::vector<double> sums = t.values.to_host();
        std::vector<std::int64_t> counts(sums.size());
        for (std::size_t i = 0; i < sums.size(); ++i) counts[i] = static_cast<std::int64_t>(std::llround(sums[i]));
        const key_value_table as_counts{std::move(t.keys), array<std::int64_t>::from_host(counts, stream_view::cpu())};
        check_table(as_counts, text.words, ref, ++run == 1, "cpu doubles", st);
        return s;
      });
      rows.push_back(std::move(r));
    }

    // gpustream CPU backend, the portable one-pass hash table (word_count_table).
    {
      row r{workload, "gpustream cpu: one-pass table", cpu_device, size, text.words, {}, base_full};
      int run = 0;
      r.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        key_value_table t = gpustream::word_count_table(cpu_text, stream_view::cpu());
        const double s = seconds_since(t0);
        check_table(t, text.words, ref, ++run == 1, "cpu table", st);
        return s;
      });
      rows.push_back(std::move(r));
    }

    // gpustream CPU backend, sort (the portable Thrust path), possibly on a prefix.
    {
      int base_sort = base_full;
      const reference_counts* sort_ref = &ref;
      reference_counts prefix_ref;
      if (sort_size != size) {
        row b{workload, "baseline: std::unordered_map", "cpu, 1 thread", sort_size,
              text.prefix_words, {}, -1};
        b.seconds = time_runs(opt.runs, [&] {
          const auto t0 = clock_type::now();
          reference_counts c = baseline_word_count(h_text, sort_size);
          const double s = seconds_since(t0);
          check_reference(c, text.prefix_words, "baseline (prefix)", st);
          prefix_ref = std::move(c);
          return s;
        });
        rows.push_back(std::move(b));
        base_sort = static_cast<int>(rows.size()) - 1;
        sort_ref = &prefix_ref;
      }
      const array_view<char> sort_text{h_text, static_cast<gpustream::size_type>(sort_size),
                                        backend::cpu};
      row r{workload, "gpustream cpu: sort (Thrust)", cpu_device, sort_size, text.prefix_words, {},
            base_sort};
      int run = 0;
      r.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        key_value_table t =
            gpustream::word_count(sort_text, stream_view::cpu(), nullptr, reduce_algorithm::sort);
        const double s = seconds_since(t0);
        check_table(t, text.prefix_words, *sort_ref, ++run == 1, "cpu sort", st);
        return s;
      });
      rows.push_back(std::move(r));
    }

    // gpustream CUDA backend.
    if (cuda_skip_reason.empty()) {
      gpustream::stream cuda{backend::cuda};
      // Kernels only: the text is already on the device (uploaded once for
      // every row). One untimed warm-up run of each path loads its kernels and
      // grows the device memory pool.
      {
        const auto d_text = array<char>::from_host(h_text, static_cast<gpustream::size_type>(size), cuda);
        cuda.synchronize();
        const auto resident_row = [&](const char* label, const char* check_name, const auto& count) {
          (void)count();
          cuda.synchronize();
          row r{workload, label, gpu_device, size, text.words, {}, base_full};
          int run = 0;
          r.seconds = time_runs(opt.runs, [&] {
            const auto t0 = clock_type::now();
            key_value_table t = count();
            cuda.synchronize();
            const double s = seconds_since(t0);
            check_table(t, text.words, ref, ++run == 1, check_name, st);
            return s;
          });
          rows.push_back(std::move(r));
        };
        // The default path (the one-pass table on CUDA, its per-thread kernel).
        resident_row("gpustream cuda: resident (kernels)", "cuda resident",
                     [&] { return gpustream::word_count(d_text, cuda, nullptr, reduce_algorithm::automatic); });
        // The one-pass table by its per-warp kernel (a warp's 32 lanes count
        // their tokens together; table_kernel::per_warp).
        resident_row("gpustream cuda: resident, table per warp", "cuda resident table per warp", [&] {
          return gpustream::word_count_table(d_text, cuda, nullptr, gpustream::size_type{1} << 22,
                                             gpustream::hash_function::mix64, gpustream::table_kernel::per_warp);
        });
        // The sort path: tokens, then their hashes sorted.
        resident_row("gpustream cuda: resident, sort path", "cuda resident sort",
                     [&] { return gpustream::word_count(d_text, cuda, nullptr, reduce_algorithm::sort); });
        // The unfused steps: tokens, then count_by_key by the sort path and by
        // the one-pass table (reduce_by_key's hash path).
        for (const reduce_algorithm algorithm : {reduce_algorithm::sort, reduce_algorithm::hash}) {
          const bool table = algorithm == reduce_algorithm::hash;
          resident_row(table ? "gpustream cuda: tokens, count_by_key (one-pass table)"
                             : "gpustream cuda: tokens, count_by_key (sort)",
                       table ? "cuda count_by_key table" : "cuda count_by_key sort", [&] {
                         const gpustream::string_spans tokens = gpustream::tokenize_text(d_text, cuda);
                         return gpustream::count_by_key(tokens.view(), cuda, nullptr, gpustream::hash_function::mix64,
                                                        algorithm);
                       });
        }
      }
      // End to end: host-to-device copy from pinned memory, then the kernels.
      {
        gpustream::pinned_block_pool pool{size, 1, backend::cuda};
        gpustream::pinned_block h_pinned = pool.acquire();
        std::memcpy(h_pinned.data(), h_text, size);
        row r{workload, "gpustream cuda: pinned H2D + kernels", gpu_device, size, text.words, {},
              base_full};
        int run = 0;
        r.seconds = time_runs(opt.runs, [&] {
          const auto t0 = clock_type::now();
          const auto d_text = array<char>::from_host(
              h_pinned.data(), static_cast<gpustream::size_type>(size), cuda);
          key_value_table t =
              gpustream::word_count(d_text, cuda, nullptr, reduce_algorithm::automatic);
          cuda.synchronize();
          const double s = seconds_since(t0);
          check_table(t, text.words, ref, ++run == 1, "cuda end to end", st);
          return s;
        });
        rows.push_back(std::move(r));
      }
    }

    // Count by a 64-bit id (reduce_by_key over integer keys): each word's
    // hash as its id, so 100 k distinct ids with the words' frequencies.
    {
      const std::string id_workload = "count by int64 id";
      std::vector<std::int64_t> ids;
      {
        const gpustream::string_spans tokens = gpustream::tokenize_text(cpu_text, stream_view::cpu());
        const array<gpustream::hash_type> h = gpustream::hash_strings(tokens.view(), stream_view::cpu());
        ids.resize(static_cast<std::size_t>(h.size()));
        if (!ids.empty()) std::memcpy(ids.data(), h.data(), ids.size() * sizeof(std::int64_t));
      }
      const auto n_ids = static_cast<std::int64_t>(ids.size());
      const std::size_t id_bytes = ids.size() * sizeof(std::int64_t);
      id_counts id_ref;
      row b{id_workload, "baseline: std::unordered_map", "cpu, 1 thread", id_bytes, n_ids, {}, -1};
      b.seconds = time_runs(opt.runs, [&] {
        const auto t0 = clock_type::now();
        id_counts c = baseline_id_count(ids);
        const double s = seconds_since(t0);
        id_ref = std::move(c);
        return s;
      });
      if (n_ids != text.words) st.fail("ids: " + std::to_string(n_ids) + " tokens, the generator wrote " +
                                       std::to_string(text.words) + " words");
      rows.push_back(std::move(b));
      const int base_ids = static_cast<int>(rows.size()) - 1;
      const auto h_ids = array<std::int64_t>::from_host(ids, stream_view::cpu());
      const array_view<std::int64_t> no_values{nullptr, 0, backend::cpu};
      for (const auto& [label, algorithm] : {std::pair{"gpustream cpu: automatic (hash)", reduce_algorithm::automatic},
                                             std::pair{"gpustream cpu: sort (Thrust)", reduce_algorithm::sort}}) {
        row r{id_workload, label, cpu_device, id_bytes, n_ids, {}, base_ids};
        int run = 0;
        r.seconds = time_runs(opt.runs, [&] {
          const auto t0 = clock_type::now();
          gpustream::int_key_table t = gpustream::reduce_by_key(h_ids.view(), no_values, gpustream::aggregation::count,
                                                                stream_view::cpu(), nullptr, algorithm);
          const double s = seconds_since(t0);
          check_id_table(t, n_ids, id_ref, ++run == 1, id_workload + ", " + label, st);
          return s;
        });
        rows.push_back(std::move(r));
      }
      if (cuda_skip_reason.empty()) {
        gpustream::stream cuda{backend::cuda};
        const auto d_ids = array<std::int64_t>::from_host(ids, cuda);
        const array_view<std::int64_t> no_device_values{nullptr, 0, backend::cuda};
        cuda.synchronize();
        (void)gpustream::reduce_by_key(d_ids.view(), no_device_values, gpustream::aggregation::count, cuda);
        cuda.synchronize();
        row r{id_workload, "gpustream cuda: resident (kernels)", gpu_device, id_bytes, n_ids, {}, base_ids};
        int run = 0;
        r.seconds = time_runs(opt.runs, [&] {
          const auto t0 = clock_type::now();
          gpustream::int_key_table t =
              gpustream::reduce_by_key(d_ids.view(), no_device_values, gpustream::aggregation::count, cuda);
          cuda.synchronize();
          const double s = seconds_since(t0);
          check_id_table(t, n_ids, id_ref, ++run == 1, id_workload + ", cuda resident", st);
          return s;
        });
        rows.push_back(std::move(r));
      }
    }

    std::printf("\n");
    print_table(rows);
    std::printf("\nGB/s = input bytes / median seconds / 1e9; min-max GB/s come from the slowest "
                "and fastest run; the ratio divides a row's median GB/s by the single-thread "
                "baseline's at the same input size.\n");
    if (!cuda_skip_reason.empty()) {
      std::printf("CUDA rows skipped: %s.\n", cuda_skip_reason.c_str());
    } else {
      std::printf("CUDA rows: one untimed warm-up run first; results stay on the device (no "
                  "device-to-host copy in the timed region).\n");
    }
    if (!st.ok) {
      std::fprintf(stderr, "word_count_bench: correctness checks failed\n");
      return 1;
    }
    std::printf("checks: passed (every run's counts sum to the words written; distinct keys "
                "agree on every path; first run of each path matches the baseline key by key)\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "word_count_bench: %s\n", e.what());
    return 1;
  }
}
