#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace gpustream {

/// Thrown when a precondition of a gpustream call is violated (bad argument,
/// bad configuration, misuse of the API). what() is the message for the user;
/// where() names the check and its place in the source, for bug reports.
class logic_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
  logic_error(const std::string& what, std::string where)
      : std::logic_error{what}, where_{std::move(where)} {}
  const std::string& where() const noexcept { return where_; }

 private:
  std::string where_;
};

/// Thrown when a CUDA runtime call or a kernel launch fails.
class cuda_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when the CUDA backend is requested where it cannot run (a CPU-only
/// build, or no usable GPU).
class backend_unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when a checkpoint or write-ahead log file cannot be used: written by
/// an incompatible build or for a different DStream graph, truncated, or
/// corrupt. what() names the file and the problem.
class checkpoint_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
[[noreturn]] void throw_logic_error(const char* cond, const std::string& msg, const char* file,
                                    int line);
[[noreturn]] void throw_cuda_error(int code, const char* call, const char* file, int line);
}  // namespace detail

}  // namespace gpustream

#define GPUSTREAM_STRINGIFY_DETAIL(x) #x
#define GPUSTREAM_STRINGIFY(x) GPUSTREAM_STRINGIFY_DETAIL(x)

/// Throws gpustream::logic_error with `msg` (and where it was raised) unless
/// `cond` holds.
#define GPUSTREAM_EXPECTS(cond, msg)                                                  \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      ::gpustream::detail::throw_logic_error(#cond, (msg), __FILE__, __LINE__);       \
    }                                                                                 \
  } while (0)

/// Checks a CUDA runtime call (or `cudaGetLastError()` after a launch) and throws
/// gpustream::cuda_error naming the call and the CUDA error on failure.
#define GPUSTREAM_CUDA_TRY(call)                                                      \
  do {                                                                                \
    const auto gpustream_status_ = (call);                                            \
    if (gpustream_status_ != 0) {                                                     \
      ::gpustream::detail::throw_cuda_error(static_cast<int>(gpustream_status_), #call, \
                                            __FILE__, __LINE__);                      \
    }                                                                                 \
  } while (0)
