// group_by over tables against today's reduce_by_key, in one run on one
// backend: the same tokens (string spans into one text, as a batch's words
// are) summed by key through reduce_by_key (the baseline) and through
// group_by over one string key, then group_by over a composite (string,
// int32) key with three aggregations. Reported: the median and the spread
// (min-max) of the runs in millions of rows a second, and the ratio to the
// baseline.

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  std::string backend = "auto";
  std::int64_t rows = 4 << 20;
  std::int64_t distinct = 100000;
  int runs = 5;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: group_by_bench [--backend auto|cpu|cuda] [--rows N] [--distinct N] [--runs N] [--help]\n\n"
               "Sums an int64 field by a string key over N rows (Zipf-distributed words, N distinct)\n"
               "with reduce_by_key (the baseline) and with group_by, then runs group_by by a\n"
               "(string, int32) key with count, sum and max, on one backend; prints the median and\n"
               "spread of --runs runs in M rows/s, and each ratio to the baseline.\n");
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "group_by_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--backend") {
      o.backend = next();
    } else if (a == "--rows") {
      o.rows = std::stoll(next());
    } else if (a == "--distinct") {
      o.distinct = std::stoll(next());
    } else if (a == "--runs") {
      o.runs = std::stoi(next());
    } else {
      std::fprintf(stderr, "group_by_bench: unknown option %s\n", a.c_str());
      usage(stderr);
      std::exit(2);
    }
  }
  if (o.rows < 1 || o.distinct < 1 || o.runs < 1) {
    std::fprintf(stderr, "group_by_bench: --rows, --distinct and --runs take numbers of 1 or more\n");
    std::exit(2);
  }
  return o;
}

struct timing {
  double median = 0, low = 0, high = 0;  // M rows/s
};

timing measure(int runs, std::int64_t rows, gpustream::stream_view s, const std::function<void()>& f) {
  f();  // warm-up: pools filled, code paged in
  s.synchronize();
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = clock_type::now();
    f();
    s.synchronize();
    const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    rates.push_back(static_cast<double>(rows) / seconds / 1e6);
  }
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2], rates.front(), rates.back()};
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  gpustream::backend b;
  try {
    b = gpustream::resolve_backend(gpustream::parse_backend(o.backend));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "group_by_bench: %s\n", e.what());
    return 2;
  }
  gpustream::stream s{b};

  // Words of 3 to 12 letters, Zipf-distributed (s = 1) over `distinct` of them.
  std::mt19937_64 rng{42};
  std::vector<std::string> vocabulary;
  for (std::int64_t i = 0; i < o.distinct; ++i) {
    std::string w;
    const auto len = 3 + rng() % 10;
    for (std::uint64_t j = 0; j < len; ++j) w += static_cast<char>('a' + rng() % 26);
    vocabulary.push_back(w + std::to_string(i));
  }
  std::vector<double> cdf(static_cast<std::size_t>(o.distinct));
  double total = 0;
  for (std::int64_t i = 0; i < o.distinct; ++i) cdf[static_cast<std::size_t>(i)] = total += 1.0 / static_cast<double>(i + 1);
  std::string text;
  std::vector<std::int64_t> bytes(static_cast<std::size_t>(o.rows));
  std::vector<std::int32_t> status(static_cast<std::size_t>(o.rows));
  gpustream::host_column latency{gpustream::data_type{gpustream::type_id::float64}};
  const std::int32_t codes[] = {200, 200, 200, 200, 304, 404, 500, 503};
  std::uniform_real_distribution<double> u{0, total};
  for (std::int64_t i = 0; i < o.rows; ++i) {
    const auto k = std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin();
    text += vocabulary[static_cast<std::size_t>(std::min<std::int64_t>(k, o.distinct - 1))];
    text += ' ';
    bytes[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(rng() % 100000);
    status[static_cast<std::size_t>(i)] = codes[rng() % 8];
    if (rng() % 10 == 0) {
      latency.append_null();
    } else {
      const double v = static_cast<double>(rng() % 10000) / 1000;
      latency.append_fixed(&v, sizeof v);
    }
  }

  const auto d_text = gpustream::array<char>::from_host(text.data(), static_cast<gpustream::size_type>(text.size()), s);
  const gpustream::string_spans words = gpustream::tokenize_text(d_text.view(), s);
  if (words.size() != o.rows) {
    std::fprintf(stderr, "group_by_bench: %lld tokens for %lld rows\n", static_cast<long long>(words.size()),
                 static_cast<long long>(o.rows));
    return 1;
  }
  const auto d_bytes = gpustream::array<std::int64_t>::from_host(bytes, s);
  const auto d_status = gpustream::array<std::int32_t>::from_host(status, s);
  const gpustream::column d_latency = gpustream::to_column(latency, s);
  using gpustream::data_type;
  using gpustream::field;
  using gpustream::type_id;
  const gpustream::column_view word_col = gpustream::column_view::of_strings(words.view());
  const gpustream::column_view bytes_col = gpustream::column_view::of_values(data_type{type_id::int64}, d_bytes.view());
  const gpustream::column_view status_col =
      gpustream::column_view::of_values(data_type{type_id::int32}, d_status.view());
  const gpustream::table_view one_key{
      std::make_shared<const gpustream::schema>(std::vector<field>{field{"word", data_type{type_id::string}, false},
                                                                   field{"bytes", data_type{type_id::int64}, false}}),
      {word_col, bytes_col}};
  const gpustream::table_view composite{
      std::make_shared<const gpustream::schema>(std::vector<field>{
          field{"word", data_type{type_id::string}, false}, field{"status", data_type{type_id::int32}, false},
          field{"bytes", data_type{type_id::int64}, false}, field{"latency", data_type{type_id::float64}, true}}),
      {word_col, status_col, bytes_col, d_latency.view()}};

  gpustream::reduce_options sum;
  sum.agg = gpustream::aggregation::sum;
  std::int64_t baseline_groups = 0, one_key_groups = 0, composite_groups = 0;
  const timing baseline = measure(o.runs, o.rows, s, [&] {
    baseline_groups = gpustream::reduce_by_key(words.view(), d_bytes.view(), sum, s).size();
  });
  const timing grouped = measure(o.runs, o.rows, s, [&] {
    one_key_groups = gpustream::group_by(one_key, {"word"}, {gpustream::agg::sum("bytes")}, s).num_rows();
  });
  const timing three = measure(o.runs, o.rows, s, [&] {
    composite_groups = gpustream::group_by(composite, {"word", "status"},
                                           {gpustream::agg::count(), gpustream::agg::sum("bytes"),
                                            gpustream::agg::max("latency")},
                                           s)
                           .num_rows();
  });
  if (baseline_groups != one_key_groups) {
    std::fprintf(stderr, "group_by_bench: reduce_by_key found %lld keys, group_by %lld\n",
                 static_cast<long long>(baseline_groups), static_cast<long long>(one_key_groups));
    return 1;
  }
  const std::string device = gpustream::describe_backend(b);
  std::printf("| backend | workload | rows | groups | M rows/s (median) | spread | vs baseline |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  auto row = [&](const char* what, std::int64_t groups, const timing& t) {
    std::printf("| %s | %s | %lld | %lld | %.1f | %.1f-%.1f | %.2fx |\n", device.c_str(), what,
                static_cast<long long>(o.rows), static_cast<long long>(groups), t.median, t.low, t.high,
                t.median / baseline.median);
  };
  row("baseline: reduce_by_key(word) sum(bytes)", baseline_groups, baseline);
  row("group_by(word) sum(bytes)", one_key_groups, grouped);
  row("group_by(word, status) count, sum(bytes), max(latency)", composite_groups, three);
  return 0;
}
