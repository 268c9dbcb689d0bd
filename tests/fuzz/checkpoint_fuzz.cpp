// libFuzzer target: checkpoint and log files, receiver positions and batch
// encodings from arbitrary bytes. Reading them must either succeed or throw
// gpustream::checkpoint_error; any other exception, a crash or a sanitizer
// report is a finding. Files written from the input's pieces read back equal.

#include "checkpoint/file_format.hpp"
#include "receivers/directory_receiver.hpp"
#include "streaming/graph.hpp"

#include <gpustream/core/error.hpp>
#include <gpustream/core/stream.hpp>

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace d = gpustream::detail;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "checkpoint_fuzz: %s\n", what);
  std::abort();
}

const fs::path& work() {
  static const fs::path dir = [] {
    fs::path p = fs::temp_directory_path() / ("gpustream_checkpoint_fuzz_" + std::to_string(::getpid()));
    fs::create_directories(p / "watched");
    return p;
  }();
  return dir;
}

template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const gpustream::checkpoint_error&) {  // NOLINT(bugprone-empty-catch): refused, as it should be
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_fuzz: unexpected exception: %s\n", e.what());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const fs::path file = work() / "checkpoint-1";

  // 1. The bytes as a file of each kind.
  {
    std::ofstream out{file, std::ios::binary | std::ios::trunc};
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  expect_clean([&] { d::read_segments(file, d::file_kind::checkpoint); });
  expect_clean([&] { d::read_segments(file, d::file_kind::wal, 2); });

  // 2. As a directory receiver's position.
  expect_clean([&] {
    d::directory_receiver_options o;
    o.directory = (work() / "watched").string();
    d::directory_receiver r{o};
    r.restore(input);
  });

  // 3. As an encoded batch.
  expect_clean([&] {
    d::byte_reader r{input, "fuzz input"};
    d::read_batch(r, gpustream::stream_view::cpu());
  });

  // 4. Pieces of the input written as segments read back equal.
  std::vector<std::string> parts;
  for (std::size_t at = 0; at < input.size();) {
    const std::size_t n = std::min<std::size_t>(input.size() - at, static_cast<unsigned char>(input[at]) + 1);
    parts.push_back(input.substr(at, n));
    at += n;
  }
  std::vector<d::segment_view> views;
  for (const auto& p : parts) views.push_back({p.data(), p.size()});
  d::write_segments(file, d::file_kind::wal, views);
  if (d::read_segments(file, d::file_kind::wal) != parts) fail("segments did not read back equal");
  return 0;
}
