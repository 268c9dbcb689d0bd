#pragma once

// A fresh directory for directory sources to watch, with a staging directory
// beside it on the same file system: files are written there first, then
// moved in atomically, as a directory source expects.

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

namespace gpustream::test {

class watched_directory {
 public:
  watched_directory() {
    namespace fs = std::filesystem;
    static std::atomic<int> counter{0};
    root_ = fs::temp_directory_path() /
            ("gpustream_watched_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(root_);
    fs::create_directories(root_ / "in");
    fs::create_directories(root_ / "staging");
  }
  ~watched_directory() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  watched_directory(const watched_directory&) = delete;
  watched_directory& operator=(const watched_directory&) = delete;

  /// The watched directory.
  std::string path() const { return (root_ / "in").string(); }
  /// Beside the watched directory, for a test's other files.
  std::filesystem::path root() const { return root_; }

  /// Writes `content` outside the directory, then moves it in atomically.
  void move_in(const std::string& name, const std::string& content,
               std::optional<std::filesystem::file_time_type> mtime = std::nullopt,
               std::optional<std::filesystem::perms> perms = std::nullopt) const {
    const std::filesystem::path staged = root_ / "staging" / name;
    write(staged, content);
    if (mtime) std::filesystem::last_write_time(staged, *mtime);
    if (perms) std::filesystem::permissions(staged, *perms);
    std::filesystem::rename(staged, root_ / "in" / name);
  }
  /// Writes `content` straight into the directory.
  void write_in(const std::string& name, const std::string& content) const { write(root_ / "in" / name, content); }

 private:
  static void write(const std::filesystem::path& p, const std::string& content) {
    std::ofstream out{p, std::ios::binary};
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    ASSERT_TRUE(out.good()) << p;
  }
  std::filesystem::path root_;
};

}  // namespace gpustream::test
