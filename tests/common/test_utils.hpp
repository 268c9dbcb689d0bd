#pragma once

// Shared by every test: the backend parameter, fresh random seeds, and
// helpers that move data between the host and a backend.

#include <gpustream/gpustream.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace gpustream::test {

/// `s` printable: bytes outside ASCII's printable range as \xNN.
inline std::string escaped(std::string_view s, std::size_t max_bytes = 200) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max_bytes) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

/// Every reduce_algorithm: each keyed reduction is tested on all of its paths
/// (on the CPU backend automatic and hash take the hash path).
constexpr reduce_algorithm all_algorithms[] = {reduce_algorithm::automatic, reduce_algorithm::sort,
                                               reduce_algorithm::hash};

/// A fresh seed per call unless GPUSTREAM_TEST_SEED fixes it (to replay a failure).
inline std::uint64_t fresh_seed() {
  if (const char* fixed = std::getenv("GPUSTREAM_TEST_SEED")) return std::strtoull(fixed, nullptr, 10);
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

/// Whether the tests run under a tool that makes every kernel launch many
/// times slower (GPUSTREAM_TEST_UNDER_SANITIZER set and not "0", as the GPU
/// check sets it under compute-sanitizer): a test that sweeps hundreds of
/// sizes, offsets or batches may then take fewer of them, and the largest
/// inputs may shrink. The ordinary runs (and ASan on the CPU) keep them all.
inline bool under_sanitizer() {
  const char* v = std::getenv("GPUSTREAM_TEST_UNDER_SANITIZER");
  return v != nullptr && *v != '\0' && std::string{v} != "0";
}

/// Runs a test body once per backend. CUDA cases skip, saying why, where no
/// GPU is present; they must pass where one is.
class backend_test : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    if (GetParam() == backend::cuda && !cuda_device_available()) {
      GTEST_SKIP() << "CUDA backend skipped: "
                   << (cuda_compiled() ? "no usable CUDA device on this machine"
                                       : "this is a CPU-only build (GPUSTREAM_ENABLE_CUDA=OFF)");
    }
    stream_ = std::make_unique<gpustream::stream>(GetParam());
    seed_ = fresh_seed();
  }
  stream_view s() const { return stream_->view(); }

  /// Seeded generator; the seed is printed with any failure in the test.
  std::mt19937_64 rng() const { return std::mt19937_64{seed_}; }
  std::string seed_trace() const {
    return "seed=" + std::to_string(seed_) + " (replay with GPUSTREAM_TEST_SEED=" +
           std::to_string(seed_) + ")";
  }

  array<char> upload(const std::string& text) const {
    auto c = array<char>::from_host(text.data(), static_cast<size_type>(text.size()), s());
    s().synchronize();
    return c;
  }

  /// Bytes on the backend in a buffer of exactly their size: on the CPU
  /// backend a heap block of its own (a pool's blocks are larger), so that
  /// AddressSanitizer reports any read past the end.
  class exact_bytes {
   public:
    const char* data() const { return host_ ? host_.get() : device_.data(); }
    size_type size() const { return size_; }

   private:
    friend class backend_test;
    std::unique_ptr<char[]> host_;
    array<char> device_;
    size_type size_ = 0;
  };
  exact_bytes upload_exact(const std::string& text) const {
    exact_bytes b;
    b.size_ = static_cast<size_type>(text.size());
    if (GetParam() == backend::cpu) {
      b.host_ = std::make_unique<char[]>(text.size());
      std::copy(text.begin(), text.end(), b.host_.get());
    } else {
      b.device_ = upload(text);
    }
    return b;
  }

  std::unique_ptr<gpustream::stream> stream_;
  std::uint64_t seed_ = 0;
};

inline std::string backend_name(const ::testing::TestParamInfo<backend>& info) {
  return std::string{to_string(info.param)};
}

#define GPUSTREAM_INSTANTIATE_BACKEND_TEST(suite)                                        \
  INSTANTIATE_TEST_SUITE_P(backends, suite,                                             \
                           ::testing::Values(::gpustream::backend::cpu,                 \
                                             ::gpustream::backend::cuda),               \
                           ::gpustream::test::backend_name)

/// Expects `f()` to throw gpustream::logic_error with `part` in its message.
template <class F>
void expect_logic_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << part << "'";
  } catch (const logic_error& e) {
    EXPECT_NE(std::string{e.what()}.find(part), std::string::npos) << e.what();
  }
}

/// Sizes that matter to data-parallel code: empty, around a warp, around a
/// thread block, and across many blocks.
inline std::vector<std::size_t> interesting_sizes() {
  return {0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025,
          4095, 4096, 4097, 65535, 65536, 65537, 1000003};
}

}  // namespace gpustream::test

namespace gpustream {
/// Names the backend in test output ("GetParam() = cuda").
inline void PrintTo(backend b, std::ostream* os) { *os << to_string(b); }
}  // namespace gpustream
