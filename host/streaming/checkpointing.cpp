// Checkpoints and the write-ahead log of a streaming context.
//
// <dir>/checkpoint-<batch time>: the batch interval, the zero time, the
//   receivers' positions after that batch, and the state of every node that
//   keeps one; written after the batch completes, every checkpoint interval,
//   at start, and after the last batch of a graceful stop. The two newest
//   are kept.
// <dir>/wal/batch-<batch time>: one batch's received data (each receiver's
//   blocks) and the receivers' positions after it; written before the batch
//   runs, removed once a checkpoint covers it.
// Both are written atomically (see host/checkpoint/file_format.hpp).

#include "context_impl.hpp"

#include <gpustream/column/convert.hpp>
#include <gpustream/core/error.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace gpustream::detail {

namespace fs = std::filesystem;

namespace {

/// Batch times of the files in `dir` named "<prefix><digits>", in order.
std::map<batch_time, fs::path> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::map<batch_time, fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
    if (const auto t = batch_time_in_name(it->path().filename().string(), prefix)) out.emplace(*t, it->path());
  }
  if (ec) throw std::runtime_error{"cannot list " + dir.string() + ": " + ec.message()};
  return out;
}

/// Removes what a crash left half-written (names ending in ".tmp").
void remove_temporaries(const fs::path& dir) {
  std::vector<fs::path> stale;
  std::error_code ec;
  for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) stale.push_back(it->path());
  }
  for (const auto& p : stale) fs::remove(p, ec);
}

void write_positions(byte_writer& w, const std::vector<std::string>& positions) {
  w.u64(positions.size());
  for (const auto& p : positions) w.bytes(p);
}

std::vector<std::string> read_positions(byte_reader& r) {
  std::vector<std::string> out(r.count(8));
  for (auto& p : out) p = std::string{r.bytes()};
  return out;
}

}  // namespace

fs::path context_impl::checkpoint_path(batch_time t) const { return ckpt_dir_ / ("checkpoint-" + std::to_string(t)); }
fs::path context_impl::log_path(batch_time t) const { return ckpt_dir_ / "wal" / ("batch-" + std::to_string(t)); }

std::string context_impl::graph_signature() const {
  // The kinds of the inputs and the stateful nodes with their parameters:
  // a checkpoint restores state only into the graph that wrote it.
  std::string sig = "inputs:";
  for (const auto& in : inputs_) sig += " " + in->name.substr(0, in->name.find(' '));
  sig += "\n";
  for (const auto& n : per_batch_nodes_) {
    const std::string tag = n->checkpoint_tag();
    if (!tag.empty()) sig += tag + "\n";
  }
  return sig;
}

void context_impl::write_checkpoint(batch_time t, const std::vector<std::string>& positions) {
  const stream_view s = *compute_stream_;
  std::vector<std::string> parts;
  byte_writer meta;
  meta.u64(static_cast<std::uint64_t>(options_.batch_interval.count()));
  meta.i64(zero_time_);
  meta.i64(t);
  meta.bytes(graph_signature());
  parts.push_back(std::move(meta.str()));
  byte_writer pos;
  write_positions(pos, positions);
  parts.push_back(std::move(pos.str()));
  for (const auto& n : per_batch_nodes_) {
    byte_writer w;
    n->save_state(w, s);
    parts.push_back(std::move(w.str()));
  }
  std::vector<segment_view> segments;
  segments.reserve(parts.size());
  for (const auto& p : parts) segments.push_back({p.data(), p.size()});
  write_segments(checkpoint_path(t), file_kind::checkpoint, segments);

  // The log up to t is covered now; of the checkpoints, the two newest stay.
  std::error_code ec;
  for (const auto& [time, path] : numbered_files(ckpt_dir_ / "wal", "batch-")) {
    if (time <= t) fs::remove(path, ec);
  }
  auto checkpoints = numbered_files(ckpt_dir_, "checkpoint-");
  while (checkpoints.size() > 2) {
    fs::remove(checkpoints.begin()->second, ec);
    checkpoints.erase(checkpoints.begin());
  }
}

void context_impl::write_log(const job& j) {
  byte_writer meta;
  meta.i64(j.time);
  meta.u64(j.bytes);
  meta.u64(j.blocks.size());
  for (const auto& blocks : j.blocks) meta.u64(blocks.size());
  byte_writer pos;
  write_positions(pos, j.positions);
  std::vector<segment_view> segments{{meta.str().data(), meta.str().size()}, {pos.str().data(), pos.str().size()}};
  for (const auto& blocks : j.blocks) {
    for (const auto& b : blocks) segments.push_back({b.block.data(), b.bytes});
  }
  write_segments(log_path(j.time), file_kind::wal, segments);
}

context_impl::staged_job context_impl::load_logged(job&& j) {
  const std::vector<std::string> segments = read_segments(j.replay, file_kind::wal);
  const std::string name = j.replay.string();
  if (segments.size() < 2) throw checkpoint_error{name + ": corrupt (no batch header)"};
  byte_reader meta{segments[0], name};
  if (meta.i64() != j.time) meta.fail("the batch time inside differs from the file name");
  meta.u64();
  const std::uint64_t inputs = meta.count(8);
  if (inputs != inputs_.size()) {
    throw checkpoint_error{name + ": logged for " + std::to_string(inputs) + " input streams; this graph has " +
                           std::to_string(inputs_.size())};
  }
  std::vector<std::uint64_t> counts(inputs);
  std::uint64_t total = 0;
  for (auto& c : counts) {
    c = meta.u64();
    total += c;
  }
  if (total != segments.size() - 2) meta.fail("the block count differs from the file's segments");

  staged_job out;
  const stream_view s = *copy_stream_;
  std::size_t next = 2;
  for (const std::uint64_t c : counts) {
    std::size_t size = 0;
    for (std::uint64_t i = 0; i < c; ++i) size += segments[next + i].size();
    auto text = std::make_shared<array<char>>(static_cast<size_type>(size), s);
    std::size_t offset = 0;
    for (std::uint64_t i = 0; i < c; ++i, ++next) {
      copy_bytes(text->data() + offset, segments[next].data(), segments[next].size(), s);
      offset += segments[next].size();
    }
    out.texts.push_back(std::move(text));
  }
  s.synchronize();  // the copies read `segments`
  out.info = std::move(j);
  return out;
}

bool context_impl::recover() {
  std::error_code ec;
  fs::create_directories(ckpt_dir_ / "wal", ec);
  if (ec) {
    throw std::runtime_error{"cannot create the checkpoint directory " + ckpt_dir_.string() + " (and its wal/): " +
                             ec.message()};
  }
  // One context at a time per directory: two would overwrite each other's
  // checkpoints and log. The lock goes with the process, however it ends.
  const fs::path lock_path = ckpt_dir_ / "lock";
  ckpt_lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (ckpt_lock_fd_ < 0) {
    throw std::runtime_error{"cannot open " + lock_path.string() + ": " + std::strerror(errno)};
  }
  if (::flock(ckpt_lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(ckpt_lock_fd_);
    ckpt_lock_fd_ = -1;
    if (e == EWOULDBLOCK) {
      throw checkpoint_error{ckpt_dir_.string() +
                             ": another running streaming context uses this checkpoint directory"};
    }
    throw std::runtime_error{"cannot lock " + lock_path.string() + ": " + std::strerror(e)};
  }
  remove_temporaries(ckpt_dir_);
  remove_temporaries(ckpt_dir_ / "wal");
  const auto checkpoints = numbered_files(ckpt_dir_, "checkpoint-");
  const auto logged = numbered_files(ckpt_dir_ / "wal", "batch-");
  if (checkpoints.empty()) {
    if (!logged.empty()) {
      throw checkpoint_error{logged.begin()->second.string() +
                             ": a write-ahead log entry without any checkpoint in " + ckpt_dir_.string()};
    }
    return false;
  }

  const auto& [time, path] = *checkpoints.rbegin();
  const std::string name = path.string();
  const std::vector<std::string> segments = read_segments(path, file_kind::checkpoint);
  if (segments.size() != 2 + per_batch_nodes_.size()) {
    throw checkpoint_error{name + ": written for a different DStream graph (" + std::to_string(segments.size() - 2) +
                           " stateful nodes; this graph has " + std::to_string(per_batch_nodes_.size()) + ")"};
  }
  byte_reader meta{segments[0], name};
  const auto interval = static_cast<std::int64_t>(meta.u64());
  if (interval != options_.batch_interval.count()) {
    throw checkpoint_error{name + ": written with a batch interval of " + std::to_string(interval) +
                           " ms; this context's is " + std::to_string(options_.batch_interval.count()) + " ms"};
  }
  const batch_time zero = meta.i64();
  if (meta.i64() != time) meta.fail("the batch time inside differs from the file name");
  const std::string signature{meta.bytes()};
  if (signature != graph_signature()) {
    throw checkpoint_error{name + ": written for a different DStream graph (its inputs and stateful operators: [" +
                           signature + "]; this graph's: [" + graph_signature() + "])"};
  }
  byte_reader pos{segments[1], name};
  std::vector<std::string> positions = read_positions(pos);
  std::string positions_from = name;
  if (positions.size() != inputs_.size()) pos.fail("a position for each input");

  const stream_view s = *compute_stream_;
  for (std::size_t i = 0; i < per_batch_nodes_.size(); ++i) {
    byte_reader r{segments[2 + i], name};
    per_batch_nodes_[i]->load_state(r, s);
    if (!r.done()) r.fail("bytes after a node's state");
  }
  s.synchronize();

  // Logged batches after the checkpoint run again, oldest first; the newest
  // one's positions are where the receivers go on.
  for (const auto& [t, log] : logged) {
    if (t <= time) {
      fs::remove(log, ec);
      continue;
    }
    const std::vector<std::string> head = read_segments(log, file_kind::wal, 2);
    if (head.size() < 2) throw checkpoint_error{log.string() + ": corrupt (no batch header)"};
    byte_reader m{head[0], log.string()};
    if (m.i64() != t) m.fail("the batch time inside differs from the file name");
    job j;
    j.time = t;
    j.bytes = m.u64();
    j.replay = log;
    byte_reader p{head[1], log.string()};
    j.positions = read_positions(p);
    if (j.positions.size() != inputs_.size()) p.fail("a position for each input");
    positions = j.positions;
    positions_from = log.string();
    replay_.push_back(std::move(j));
  }
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (positions[i].empty()) continue;
    try {
      inputs_[i]->source->restore(positions[i]);
    } catch (const checkpoint_error& e) {
      throw checkpoint_error{positions_from + ": " + e.what()};
    }
  }
  {
    std::lock_guard lock{mutex_};
    recovered_from_ = time;
  }
  recovered_zero_time_ = zero;
  for (const auto& op : outputs_) op->roll_back_after(time);
  return true;
}

}  // namespace gpustream::detail
