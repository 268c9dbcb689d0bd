// End-to-end streaming benchmark: a streaming_context fed by the generator
// source in replay mode (the text is already in the receive blocks, pinned on
// the CUDA backend, as a receiver would leave it), running a workload over
// every batch: copy in, split lines, the operators, results out to the host.
//
// Baseline, measured in the same run: the copy alone, the same bytes from the
// same kind of blocks into backend memory in the same block-sized pieces.
// Reported: sustained throughput over the measured batches (bytes / wall time
// from the end of the warm-up to the end of the last batch), records/s, and
// the p50/p99 of the batches' total delay.

#include <gpustream/gpustream.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct options {
  std::string backend = "auto";
  std::string workload = "all";
  int batch_ms = 100;
  int batches = 60;
  int warmup = 5;
  std::size_t block_mib = 8;
  std::size_t blocks = 64;
  std::size_t rate_mib = 0;
  std::string wal_dir;  // also run each workload with checkpoints and the write-ahead log here
  std::string algorithm = "automatic";  // the word count's grouping
  std::size_t cpu_parallel_kib = 256;   // streaming_options::cpu_parallel_bytes / 1024
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: stream_bench [--backend auto|cpu|cuda] [--workload wordcount|grep|all]\n"
               "                    [--batch-ms N] [--batches N] [--warmup N] [--block-mib N]\n"
               "                    [--blocks N] [--rate-mib N] [--wal-dir DIR]\n"
               "                    [--algorithm automatic|sort|hash] [--cpu-parallel-kib N]\n"
               "                    [--help]\n\n"
               "Runs a streaming word count (flat_map(split_words).map(pair_with_one).reduce_by_key,\n"
               "every distinct word and its count brought to the host each batch) and a grep\n"
               "(filter(contains{\"ERROR\"}) over generated log lines, matching lines brought to\n"
               "the host) through a streaming_context fed by the generator source in replay\n"
               "mode, and the copy alone as the baseline, on one backend.\n\n"
               "  --backend    where operators run (default auto)\n"
               "  --workload   which workload (default all)\n"
               "  --batch-ms   batch interval in ms (default 100)\n"
               "  --batches    measured batches after the warm-up (default 60)\n"
               "  --warmup     batches run before measuring (default 5), counted from the\n"
               "               first batch with data (the pool's blocks are filled first)\n"
               "  --block-mib  receive block size in MiB, 2 or more (default 8)\n"
               "  --blocks     receive blocks in the pool, 2 or more (default 64): a batch holds at most\n"
               "               the pool, so the stream cannot go faster than blocks x block size\n"
               "               per interval (printed as the bound)\n"
               "  --rate-mib   offered rate in MiB/s; 0: as fast as processing takes it (default).\n"
               "               Replay offers a refilled block whole once the rate allows it, so\n"
               "               below one block per interval batches come a block at a time (and\n"
               "               run on all CPU threads: see --cpu-parallel-kib); the gpustream\n"
               "               command's generator offers its lines as they are due\n"
               "  --wal-dir    also run each workload with checkpoints (every 10 s of batches) and\n"
               "               the write-ahead log in DIR (emptied first), and print its ratio to\n"
               "               the run without them: what the log costs\n"
               "  --algorithm  how the word count groups words (streaming_options::\n"
               "               word_count_algorithm; default automatic, which is hash): hash\n"
               "               is the one-pass table on CUDA (word_count_table), sort sorts\n"
               "               the tokens' hashes; the row's name says which\n"
               "  --cpu-parallel-kib  CPU backend: batches with less input than this many KiB\n"
               "               run on one thread (streaming_options::cpu_parallel_bytes;\n"
               "               default 256); 0: every batch on all threads\n\n"
               "A batch's delay runs from its cut to its results on the host: the wait for the\n"
               "copier, the copy into backend memory, the wait for the processor, then\n"
               "\"processing\", the operators and outputs alone. A processing p50 near the\n"
               "interval means the operators bound the stream; far below it, the copy or the\n"
               "receive pool does.\n"
               "Each row's \"CPU cores\" is the process's CPU time (user and system) over\n"
               "the wall time of that workload's run, warm-up included: how many cores it\n"
               "kept busy.\n");
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "stream_bench: error: %s needs a value (see --help)\n", a.c_str());
      return false;
    }
    const std::string v = argv[++i];
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    const bool numeric = end != v.c_str() && *end == '\0';
    if (a == "--backend") {
      o.backend = v;
    } else if (a == "--workload") {
      if (v != "wordcount" && v != "grep" && v != "all") {
        std::fprintf(stderr, "stream_bench: error: unknown workload '%s' (see --help)\n", v.c_str());
        return false;
      }
      o.workload = v;
    } else if (a == "--wal-dir") {
      o.wal_dir = v;
    } else if (a == "--algorithm") {
      if (v != "automatic" && v != "sort" && v != "hash") {
        std::fprintf(stderr, "stream_bench: error: unknown algorithm '%s' (see --help)\n", v.c_str());
        return false;
      }
      o.algorithm = v;
    } else if (!numeric || n < 0 || n > 1000000) {
      std::fprintf(stderr, "stream_bench: error: %s wants a number from 0 to 1000000, not '%s'\n", a.c_str(),
                   v.c_str());
      return false;
    } else if (a == "--batch-ms" && n > 0) {
      o.batch_ms = static_cast<int>(n);
    } else if (a == "--batches" && n > 0) {
      o.batches = static_cast<int>(n);
    } else if (a == "--warmup") {
      o.warmup = static_cast<int>(n);
    } else if (a == "--block-mib" && n > 1) {
      o.block_mib = static_cast<std::size_t>(n);
    } else if (a == "--blocks" && n >= 2) {
      o.blocks = static_cast<std::size_t>(n);
    } else if (a == "--rate-mib") {
      o.rate_mib = static_cast<std::size_t>(n);
    } else if (a == "--cpu-parallel-kib") {
      o.cpu_parallel_kib = static_cast<std::size_t>(n);
    } else {
      std::fprintf(stderr, "stream_bench: error: unknown option or value out of range: %s %s (see --help)\n",
                   a.c_str(), v.c_str());
      return false;
    }
  }
  return true;
}

/// Collects completed batches. The warm-up lasts until the first batch with
/// data (the generator fills every block of the pool before it sends any),
/// plus `warmup` batches; the runner wakes after `measured` more.
class collector final : public gpustream::streaming_listener {
 public:
  collector(int warmup, int measured) : warmup_{warmup}, measured_{measured} {}
  void on_batch_completed(const gpustream::batch_info& b) override {
    std::lock_guard lock{mutex_};
    batches_.push_back(b);
    ended_.push_back(clock_type::now());
    if (first_ < 0 && b.bytes > 0) first_ = static_cast<int>(batches_.size()) + warmup_;
    if (done_locked()) done_.notify_all();
  }
  bool wait(std::chrono::seconds timeout) {
    std::unique_lock lock{mutex_};
    return done_.wait_for(lock, timeout, [this] { return done_locked(); });
  }
  /// Index of the first measured batch (-1 while warming up).
  int first_measured() const {
    std::lock_guard lock{mutex_};
    return first_;
  }
  std::vector<gpustream::batch_info> batches() const {
    std::lock_guard lock{mutex_};
    return batches_;
  }
  std::vector<clock_type::time_point> ended() const {
    std::lock_guard lock{mutex_};
    return ended_;
  }

 private:
  bool done_locked() const { return first_ >= 0 && static_cast<int>(batches_.size()) >= first_ + measured_; }

  int warmup_;
  int measured_;
  int first_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::vector<gpustream::batch_info> batches_;
  std::vector<clock_type::time_point> ended_;
};

struct result {
  std::string workload;
  double gbps = 0;
  double records_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double processing_p50_ms = 0;  // of the total delay, the part after the batch was copied in
  double mib_per_batch = 0;
  std::uint64_t results = 0;  // records brought to the host over the measured batches
  double cpu_cores = 0;       // the process's CPU time over the run's wall time
};

/// The process's CPU time so far, user and system, in seconds.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

result run_workload(const options& o, gpustream::backend b, const std::string& workload,
                    const std::string& wal_dir = {}) {
  std::ostringstream sink;
  gpustream::streaming_options so;
  if (!wal_dir.empty()) {
    std::filesystem::remove_all(wal_dir);
    so.checkpoint_directory = wal_dir;
    so.write_ahead_log = true;
  }
  so.batch_interval = std::chrono::milliseconds{o.batch_ms};
  so.requested_backend = b;
  so.block_bytes = o.block_mib << 20;
  so.blocks_per_receiver = o.blocks;
  so.log_batches = false;
  so.word_count_algorithm = o.algorithm == "sort"   ? gpustream::reduce_algorithm::sort
                            : o.algorithm == "hash" ? gpustream::reduce_algorithm::hash
                                                    : gpustream::reduce_algorithm::automatic;
  so.cpu_parallel_bytes = o.cpu_parallel_kib << 10;
  so.log = &sink;
  so.out = &sink;
  const double cpu_before = cpu_seconds();
  const auto wall_before = clock_type::now();
  gpustream::streaming_context ctx{so};
  auto c = std::make_shared<collector>(o.warmup, o.batches);
  ctx.add_listener(c);

  gpustream::generator_stream_options g;
  g.replay = true;
  g.bytes_per_second = static_cast<std::uint64_t>(o.rate_mib) << 20;
  g.text.seed = 2026;
  std::atomic<std::uint64_t> results{0};
  if (workload == "wordcount") {
    g.text.kind = gpustream::generated_text::words;
    g.text.vocabulary = 100000;
    ctx.generator_stream(g)
        .flat_map(gpustream::split_words)
        .map(gpustream::pair_with_one)
        .reduce_by_key()
        .foreach_batch([&](const std::vector<gpustream::word_pair>& counts, gpustream::batch_time) {
          results += counts.size();
        });
  } else {
    g.text.kind = gpustream::generated_text::logs;
    ctx.generator_stream(g)
        .filter(gpustream::contains{"ERROR"})
        .foreach_batch([&](const std::vector<std::string>& lines, gpustream::batch_time) { results += lines.size(); });
  }
  ctx.start();
  const bool finished = c->wait(std::chrono::seconds{120 + 10 * (o.warmup + o.batches) * o.batch_ms / 1000});
  ctx.stop(false);
  const double cpu_used = cpu_seconds() - cpu_before;
  const double wall_used = std::chrono::duration<double>(clock_type::now() - wall_before).count();
  if (!finished) std::fprintf(stderr, "stream_bench: %s: timed out before all batches completed\n", workload.c_str());

  const auto batches = c->batches();
  const auto ended = c->ended();
  result r;
  r.workload = workload;
  const int first_measured = c->first_measured();
  if (first_measured < 1 || static_cast<int>(batches.size()) <= first_measured) return r;
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;
  std::vector<double> delays;
  std::vector<double> processing;
  const auto first = static_cast<std::size_t>(first_measured);
  for (std::size_t i = first; i < batches.size(); ++i) {
    bytes += batches[i].bytes;
    records += batches[i].records;
    delays.push_back(static_cast<double>(batches[i].total_delay.count()));
    processing.push_back(static_cast<double>(batches[i].processing_delay.count()));
  }
  // Wall time from the end of the last warm-up batch to the end of the last one.
  const double measured = std::chrono::duration<double>(ended.back() - ended[first - 1]).count();
  r.gbps = static_cast<double>(bytes) / measured / 1e9;
  r.records_per_s = static_cast<double>(records) / measured;
  r.p50_ms = percentile(delays, 0.50);
  r.p99_ms = percentile(delays, 0.99);
  r.processing_p50_ms = percentile(processing, 0.50);
  r.mib_per_batch = static_cast<double>(bytes) / static_cast<double>(batches.size() - first) / (1 << 20);
  r.results = results.load();
  r.cpu_cores = wall_used > 0 ? cpu_used / wall_used : 0.0;
  if (bytes == 0) {
    std::fprintf(stderr,
                 "stream_bench: %s: every measured batch was empty: the first batches took the whole receive "
                 "pool and the ticks during their processing found no data. Use a pool the backend can process "
                 "within a batch interval (--blocks, --block-mib) or more --batches\n",
                 workload.c_str());
  }
  return r;
}

/// The baseline: the same pool of blocks copied into backend memory, block by
/// block, on one stream, as the runtime's copier does.
double copy_alone_gbps(const options& o, gpustream::backend b) {
  const std::size_t block = o.block_mib << 20;
  const std::size_t count = std::min<std::size_t>(o.blocks, 16);
  gpustream::pinned_block_pool pool{block, count, b};
  std::vector<gpustream::pinned_block> blocks;
  for (std::size_t i = 0; i < count; ++i) {
    blocks.push_back(pool.acquire());
    std::memset(blocks.back().data(), 'a' + static_cast<int>(i % 26), block);
  }
  gpustream::stream s{b};
  const auto total = static_cast<gpustream::size_type>(block * count);
  gpustream::array<char> dst{total, s};
  std::vector<double> rates;
  for (int run = 0; run < 6; ++run) {
    s.synchronize();
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < count; ++i) gpustream::copy_bytes(dst.data() + i * block, blocks[i].data(), block, s);
    s.synchronize();
    const double sec = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (run > 0) rates.push_back(static_cast<double>(total) / sec / 1e9);  // run 0 warms up
  }
  return percentile(rates, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) return 2;
  gpustream::backend b;
  try {
    b = gpustream::resolve_backend(gpustream::parse_backend(o.backend));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_bench: error: %s\n", e.what());
    return 2;
  }
  const std::string device = gpustream::describe_backend(b);
  std::printf("stream_bench: backend %s; batch interval %d ms, %d measured batches after %d warm-up, pool %zu x %zu MiB "
              "(at most %.2f GB/s: a batch holds at most the pool), offered rate %s\n",
              device.c_str(), o.batch_ms, o.batches, o.warmup, o.blocks, o.block_mib,
              static_cast<double>(o.blocks * (o.block_mib << 20)) / (o.batch_ms / 1000.0) / 1e9,
              o.rate_mib == 0 ? "unlimited" : (std::to_string(o.rate_mib) + " MiB/s").c_str());
  const double copy = copy_alone_gbps(o, b);
  std::printf("\n| workload | backend | device | MiB/batch | GB/s | Mrecords/s | delay p50 ms | delay p99 ms | processing p50 ms | CPU cores | vs copy alone |\n");
  std::printf("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| copy alone (baseline) | %s | %s | %.0f | %.2f | | | | | | 1.00x |\n", std::string{gpustream::to_string(b)}.c_str(),
              device.c_str(), static_cast<double>(o.block_mib * std::min<std::size_t>(o.blocks, 16)), copy);
  int status = 0;
  for (const std::string w : {"wordcount", "grep"}) {
    if (o.workload != "all" && o.workload != w) continue;
    const result r = run_workload(o, b, w);
    if (r.gbps <= 0) status = 1;
    // The word count's row names a grouping other than the default.
    const std::string name = w == "wordcount" && o.algorithm != "automatic" ? w + " (" + o.algorithm + ")" : w;
    std::printf("| %s | %s | %s | %.1f | %.2f | %.1f | %.0f | %.0f | %.0f | %.2f | %.2fx |\n", name.c_str(),
                std::string{gpustream::to_string(b)}.c_str(), device.c_str(), r.mib_per_batch, r.gbps,
                r.records_per_s / 1e6, r.p50_ms, r.p99_ms, r.processing_p50_ms, r.cpu_cores,
                copy > 0 ? r.gbps / copy : 0.0);
    std::fflush(stdout);
    if (!o.wal_dir.empty()) {
      const result l = run_workload(o, b, w, o.wal_dir + "/" + w);
      if (l.gbps <= 0) status = 1;
      std::printf("| %s + write-ahead log (%.2fx of %s) | %s | %s | %.1f | %.2f | %.1f | %.0f | %.0f | %.0f | %.2f | %.2fx |\n",
                  w.c_str(), r.gbps > 0 ? l.gbps / r.gbps : 0.0, w.c_str(),
                  std::string{gpustream::to_string(b)}.c_str(), device.c_str(), l.mib_per_batch, l.gbps,
                  l.records_per_s / 1e6, l.p50_ms, l.p99_ms, l.processing_p50_ms, l.cpu_cores,
                  copy > 0 ? l.gbps / copy : 0.0);
      std::fflush(stdout);
      std::filesystem::remove_all(o.wal_dir + "/" + w);
    }
  }
  return status;
}
