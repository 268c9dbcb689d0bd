#pragma once

#include "line_assembler.hpp"
#include "receiver.hpp"

#include <gpustream/streaming/streaming_context.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace gpustream::detail {

/// Which directory a directory_receiver watches, how often it looks, and
/// which of its files it reads.
struct directory_receiver_options {
  std::string directory;
  std::chrono::milliseconds poll_interval{100};
  /// False: the files present at the first start are read too.
  bool new_files_only = true;
  /// Where set, only files whose name (not path) it accepts are read.
  std::function<bool(const std::string& file_name)> filter;
  /// A file with a NUL byte in its first binary_probe_bytes bytes is not text.
  binary_file_policy binary_files = binary_file_policy::skip;
};

/// How much of a file's start is searched for a NUL byte (grep and git look
/// at about as much).
inline constexpr std::size_t binary_probe_bytes = 8192;

/// Spark's textFileStream(dir): each regular file that appears in the
/// directory after start() (moved in atomically by the user) is read once,
/// whole, in order of modification time then name; a last line without '\n'
/// is a record. Files present at the first start() are not read, unless
/// options.new_files_only is false. Hidden files (".name") and names ending in
/// "._COPYING_" or ".tmp" (files still being written) are ignored, and so
/// are the names options.filter rejects. A filter that throws skips the file
/// and reports it once (through on_error). A file that is not text (a NUL
/// byte in its first binary_probe_bytes) is skipped and reported once
/// (on_error and on_skipped_file) unless options.binary_files says read. A file is known by its path and
/// its inode: a file changed in place (appended to, rewritten) is not read
/// again, as in Spark, while a different file moved in under the same name is
/// read. Runs one polling thread. Noncopyable.
class directory_receiver final : public receiver {
 public:
  /// Throws gpustream::logic_error, naming the path, unless the directory
  /// exists and can be listed, or when the poll interval is not positive.
  explicit directory_receiver(directory_receiver_options options);
  /// Stops the receiver (see stop()).
  ~directory_receiver() override;
  directory_receiver(const directory_receiver&) = delete;
  directory_receiver& operator=(const directory_receiver&) = delete;

  /// "directory <path>".
  std::string name() const override;
  /// Notes the files present now (they are not read, unless
  /// options.new_files_only is false), then starts polling.
  /// Throws gpustream::logic_error when called twice, after stop(), with an
  /// env lacking a pool or a queue, or when the pool's blocks are smaller than
  /// twice env.max_record_bytes.
  void start(receiver_env env) override;
  /// Pushes the complete lines read so far from a file being read (each
  /// file's lines are pushed when it ends anyway). Thread-safe.
  void seal() override;
  /// Wakes and joins the polling thread, then pushes what was read. A file
  /// being read at that moment is left unfinished only when the pool has no
  /// free block (reported through on_error); its partial last line then
  /// becomes a record, which may wait for a block to be freed (seal() goes on
  /// meanwhile). Idempotent; safe without start().
  void stop() override;

  /// The position: every file known (read, being read, or present at the
  /// first start), and how far the file being read has been handed over.
  /// Restored, the receiver reads every file of the directory not known then
  /// (files moved in while the program was down, too), and goes on with the
  /// file it was reading from the position's offset.
  std::string cut(block_queue& queue, std::vector<sealed_block>& out) override;
  std::string start_position() const override;
  void restore(const std::string& position) override;

 private:
  struct file_stamp {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime{};
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    /// The same file: the same inode (its size and time may have changed).
    bool operator==(const file_stamp& o) const { return device == o.device && inode == o.inode; }
  };
  /// The stamp of the file at `path`; false when it cannot be examined.
  static bool stamp_of(const std::filesystem::directory_entry& entry, file_stamp& out);

  void run();
  void poll();
  /// Reads the file from `offset` on; returns once it is read whole, or on stop.
  void read_file(const std::filesystem::path& path, const file_stamp& stamp, std::uintmax_t offset);
  /// Where the first NUL byte of the file's first binary_probe_bytes is;
  /// std::nullopt for text, and where they cannot be read (read_file then
  /// reports the error).
  static std::optional<std::size_t> first_nul(int fd);
  /// Under assembler_mutex_.
  std::string position() const;
  bool stopping();
  void report(const std::string& message) const;
  static bool ignored(const std::string& file_name);
  /// options_.filter's verdict on the file at `path` (true without a filter);
  /// a filter that throws is reported and the file is noted as seen.
  bool accepted(const std::filesystem::path& path, const file_stamp& stamp);

  directory_receiver_options options_;
  receiver_env env_;

  std::mutex assembler_mutex_;  // the polling thread reads under it; seal() seals under it
  std::optional<line_assembler> assembler_;

  // Under assembler_mutex_: files read, being read, skipped, or present at
  // start; the file being read and where its bytes began in the assembler.
  std::map<std::string, file_stamp> seen_;
  struct reading {
    std::string path;
    file_stamp stamp;
    std::uintmax_t offset = 0;          // the file's first byte read now
    std::uint64_t first_committed = 0;  // assembler bytes_committed() at that byte
  };
  std::optional<reading> current_;
  std::optional<reading> resume_;  // restored: the file to go on with, and where
  bool restored_ = false;
  std::string start_position_;
  bool listing_failed_ = false;             // on_error told about a listing failure

  std::mutex mutex_;
  std::condition_variable wake_;
  bool started_ = false;
  bool stopped_ = false;

  std::mutex stop_mutex_;  // serializes stop()
  std::thread thread_;
};

}  // namespace gpustream::detail
