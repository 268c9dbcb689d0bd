#include "directory_receiver.hpp"

#include <sys/stat.h>

#include "../checkpoint/file_format.hpp"

#include <gpustream/core/error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

namespace gpustream::detail {

namespace fs = std::filesystem;

namespace {

// How long to wait before looking again for a free block (backpressure).
constexpr std::chrono::milliseconds backpressure_retry{1};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Closes a file descriptor when it goes out of scope.
class file_descriptor {
 public:
  explicit file_descriptor(int fd) noexcept : fd_{fd} {}
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

directory_receiver::directory_receiver(directory_receiver_options options)
    : options_{std::move(options)} {
  const std::string& dir = options_.directory;
  GPUSTREAM_EXPECTS(options_.poll_interval.count() > 0,
                    "directory_receiver: the poll interval must be positive");
  std::error_code ec;
  const bool is_dir = fs::is_directory(dir, ec);
  GPUSTREAM_EXPECTS(is_dir, "directory_receiver: '" + dir + "' is not a directory" +
                                (ec ? ": " + ec.message() : std::string{}));
  const fs::directory_iterator listing{dir, ec};
  GPUSTREAM_EXPECTS(!ec, "directory_receiver: cannot list '" + dir + "': " + ec.message());
  GPUSTREAM_EXPECTS(::access(dir.c_str(), R_OK | X_OK) == 0,
                    "directory_receiver: cannot read '" + dir + "': " + std::strerror(errno));
}

directory_receiver::~directory_receiver() { stop(); }

std::string directory_receiver::name() const { return "directory " + options_.directory; }

bool directory_receiver::ignored(const std::string& file_name) {
  // Hidden files and files still being copied in (Hadoop's and common tools' temporary names).
  return file_name.empty() || file_name.front() == '.' || ends_with(file_name, "._COPYING_") ||
         ends_with(file_name, ".tmp");
}

bool directory_receiver::accepted(const fs::path& path, const file_stamp& stamp) {
  if (!options_.filter) return true;
  try {
    return options_.filter(path.filename().string());
  } catch (const std::exception& e) {
    report(name() + ": the file filter failed on '" + path.string() + "', skipped: " + e.what());
  } catch (...) {
    report(name() + ": the file filter failed on '" + path.string() + "', skipped: an unknown exception");
  }
  // Known from now on, so that it is reported once, as an unreadable file is.
  std::lock_guard lock{assembler_mutex_};
  seen_[path.string()] = stamp;
  return false;
}

void directory_receiver::start(receiver_env env) {
  GPUSTREAM_EXPECTS(env.pool != nullptr && env.queue != nullptr,
                    "directory_receiver: start() needs a block pool and a block queue");
  {
    std::lock_guard lock{mutex_};
    GPUSTREAM_EXPECTS(!started_ && !stopped_,
                      "directory_receiver: start() called twice or after stop()");
  }
  {
    std::lock_guard lock{assembler_mutex_};
    assembler_.emplace(*env.pool, *env.queue, env.id, env.max_record_bytes, env.on_oversized);
  }
  env_ = std::move(env);

  {
    std::lock_guard lock{assembler_mutex_};
    if (!restored_ && options_.new_files_only) {
      // Spark reads only new files: note what is here now, before the thread runs.
      std::error_code ec;
      for (fs::directory_iterator it{options_.directory, ec}, end; !ec && it != end; it.increment(ec)) {
        std::error_code entry_ec;
        if (!it->is_regular_file(entry_ec)) continue;
        file_stamp stamp;
        if (stamp_of(*it, stamp)) seen_[it->path().string()] = stamp;
      }
      GPUSTREAM_EXPECTS(!ec, "directory_receiver: cannot list '" + options_.directory + "': " + ec.message());
    }
    start_position_ = position();
  }

  thread_ = std::thread{[this] { run(); }};
  std::lock_guard lock{mutex_};
  started_ = true;
}

void directory_receiver::run() {
  try {
    if (resume_) {
      // Restored in the middle of a file: go on with it if it is still there.
      const reading r = *resume_;
      resume_.reset();
      std::error_code ec;
      const fs::directory_entry entry{r.path, ec};
      file_stamp now;
      if (!ec && stamp_of(entry, now) && now == r.stamp) {
        read_file(r.path, now, r.offset);
      } else {
        report(name() + ": '" + r.path + "', read up to byte " + std::to_string(r.offset) +
               " before the restart, is gone or was replaced; the rest of it is not read");
      }
    }
    while (!stopping()) {
      poll();
      std::unique_lock lock{mutex_};
      wake_.wait_for(lock, options_.poll_interval, [this] { return stopped_; });
    }
  } catch (const std::exception& e) {
    // A bug (the assembler checks its preconditions): nothing more is read.
    report(name() + ": receiver thread failed: " + e.what());
  }
}

bool directory_receiver::stamp_of(const fs::directory_entry& entry, file_stamp& out) {
  struct ::stat st{};
  if (::stat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::error_code ec;
  out.mtime = entry.last_write_time(ec);
  if (ec) return false;
  out.size = static_cast<std::uintmax_t>(st.st_size);
  out.device = static_cast<std::uint64_t>(st.st_dev);
  out.inode = static_cast<std::uint64_t>(st.st_ino);
  return true;
}

void directory_receiver::poll() {
  struct candidate {
    fs::path path;
    file_stamp stamp;
  };
  std::vector<candidate> fresh;
  std::set<std::string> present;
  std::error_code ec;
  for (fs::directory_iterator it{options_.directory, ec}, end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (ignored(path.filename().string())) continue;
    // A file that vanished or cannot be examined now is looked at again next time.
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec)) continue;
    file_stamp stamp;
    if (!stamp_of(*it, stamp)) continue;
    std::string key = path.string();
    bool known = false;
    {
      std::lock_guard lock{assembler_mutex_};
      const auto it_seen = seen_.find(key);
      known = it_seen != seen_.end() && it_seen->second == stamp;
    }
    if (!known && accepted(path, stamp)) fresh.push_back({path, stamp});
    present.insert(std::move(key));
  }
  if (ec) {
    // Once per outage: the directory may come back (a remount, a re-creation).
    if (!listing_failed_) report(name() + ": cannot list the directory: " + ec.message());
    listing_failed_ = true;
    return;
  }
  listing_failed_ = false;
  // Forget files that are gone, so that memory stays bounded by the directory.
  {
    std::lock_guard lock{assembler_mutex_};
    for (auto it = seen_.begin(); it != seen_.end();) {
      it = present.count(it->first) != 0 ? std::next(it) : seen_.erase(it);
    }
  }

  std::sort(fresh.begin(), fresh.end(), [](const candidate& a, const candidate& b) {
    return std::tie(a.stamp.mtime, a.path) < std::tie(b.stamp.mtime, b.path);
  });
  for (const auto& f : fresh) {
    if (stopping()) return;
    read_file(f.path, f.stamp, 0);
  }
}

void directory_receiver::read_file(const fs::path& path, const file_stamp& stamp, std::uintmax_t offset) {
  const std::uintmax_t size = stamp.size;
  {
    // Known from now on, read or not: a file is never read twice, and an
    // unreadable one is reported once.
    std::lock_guard lock{assembler_mutex_};
    seen_[path.string()] = stamp;
  }
  const file_descriptor fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.get() < 0) {
    report(name() + ": cannot read '" + path.string() + "', skipped: " + std::strerror(errno));
    return;
  }
  if (offset == 0 && options_.binary_files == binary_file_policy::skip) {
    // A file resumed at an offset was found to be text when its reading began.
    if (const auto nul = first_nul(fd.get())) {
      report(name() + ": '" + path.string() + "' is not text (a NUL byte at byte " + std::to_string(*nul) +
             "): skipped, as binary files are");
      if (env_.on_skipped_file) env_.on_skipped_file();
      return;
    }
  }
  if (offset > 0 && ::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0) {
    report(name() + ": cannot go on with '" + path.string() + "' at byte " + std::to_string(offset) +
           ", skipped: " + std::strerror(errno));
    return;
  }
  {
    std::lock_guard lock{assembler_mutex_};
    current_ = reading{path.string(), stamp, offset, assembler_->bytes_committed()};
  }
  std::uintmax_t done = offset;
  for (;;) {
    {
      std::lock_guard lock{assembler_mutex_};
      const auto region = assembler_->writable();
      if (region.size > 0) {
        const ssize_t n = ::read(fd.get(), region.data, region.size);
        if (n > 0) {
          assembler_->commit(static_cast<std::size_t>(n));
          done += static_cast<std::uintmax_t>(n);
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          report(name() + ": error reading '" + path.string() + "' after " + std::to_string(done) +
                 " bytes: " + std::strerror(errno));
        }
        // The region had room, so the partial last line needs no new block.
        assembler_->finish();
        current_.reset();
        return;
      }
    }
    // No free block: wait for a batch to release one; do not skip the file.
    std::unique_lock lock{mutex_};
    if (wake_.wait_for(lock, backpressure_retry, [this] { return stopped_; })) {
      report(name() + ": stopped while reading '" + path.string() + "' (" + std::to_string(done) +
             " of " + std::to_string(size) + " bytes read): no free block");
      return;
    }
  }
}

std::optional<std::size_t> directory_receiver::first_nul(int fd) {
  char probe[binary_probe_bytes];
  std::size_t have = 0;
  while (have < sizeof probe) {
    const ssize_t n = ::pread(fd, probe + have, sizeof probe - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
  }
  const void* nul = std::memchr(probe, '\0', have);
  if (nul == nullptr) return std::nullopt;
  return static_cast<std::size_t>(static_cast<const char*>(nul) - probe);
}

void directory_receiver::seal() {
  std::lock_guard lock{assembler_mutex_};
  if (assembler_) assembler_->seal();
}

bool directory_receiver::stopping() {
  std::lock_guard lock{mutex_};
  return stopped_;
}

void directory_receiver::stop() {
  std::lock_guard stop_lock{stop_mutex_};
  {
    std::lock_guard lock{mutex_};
    if (stopped_) return;
    stopped_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The partial last line of a file left unfinished may need a new block.
  // Wait for one without holding the assembler: the job generator seals
  // (under that lock) before it takes the sealed blocks that free the pool.
  for (;;) {
    {
      std::lock_guard lock{assembler_mutex_};
      if (!assembler_) return;
      if (!assembler_->finish_needs_block() || assembler_->writable().size > 0) {
        assembler_->finish();
        return;
      }
    }
    std::this_thread::sleep_for(backpressure_retry);
  }
}

std::string directory_receiver::position() const {
  byte_writer w;
  const std::size_t complete = seen_.size() - (current_ && seen_.count(current_->path) != 0 ? 1 : 0);
  w.u64(complete);
  for (const auto& [path, stamp] : seen_) {
    if (current_ && path == current_->path) continue;
    w.bytes(path);
    w.u64(stamp.device);
    w.u64(stamp.inode);
    w.u64(stamp.size);
  }
  w.u8(current_ ? 1 : 0);
  if (current_) {
    const std::uint64_t handed = assembler_->bytes_committed() - assembler_->unsealed_bytes() - current_->first_committed;
    w.bytes(current_->path);
    w.u64(current_->stamp.device);
    w.u64(current_->stamp.inode);
    w.u64(current_->stamp.size);
    w.u64(current_->offset + handed);
  }
  return std::move(w.str());
}

std::string directory_receiver::cut(block_queue& queue, std::vector<sealed_block>& out) {
  std::lock_guard lock{assembler_mutex_};
  if (assembler_) assembler_->seal();
  out = queue.take_all();
  return assembler_ ? position() : std::string{};
}

std::string directory_receiver::start_position() const { return start_position_; }

void directory_receiver::restore(const std::string& position) {
  std::lock_guard lock{assembler_mutex_};
  byte_reader r{position, name() + " position"};
  auto stamp_of_entry = [&r] {
    file_stamp s;
    s.device = r.u64();
    s.inode = r.u64();
    s.size = r.u64();
    return s;
  };
  std::map<std::string, file_stamp> seen;
  const std::uint64_t n = r.count(32);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string path{r.bytes()};
    seen[std::move(path)] = stamp_of_entry();
  }
  std::optional<reading> resume;
  if (r.u8() != 0) {
    reading cur;
    cur.path = std::string{r.bytes()};
    cur.stamp = stamp_of_entry();
    cur.offset = r.u64();
    seen[cur.path] = cur.stamp;
    resume = std::move(cur);
  }
  if (!r.done()) r.fail("bytes after the position");
  seen_ = std::move(seen);
  resume_ = std::move(resume);
  restored_ = true;
}

void directory_receiver::report(const std::string& message) const {
  if (env_.on_error) env_.on_error(message);
}

}  // namespace gpustream::detail
