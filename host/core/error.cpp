#include <gpustream/core/error.hpp>

#include "../cuda/cuda_runtime.hpp"

#include <cstring>

namespace gpustream::detail {
namespace {
const char* base_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}
}  // namespace

void throw_logic_error(const char* cond, const std::string& msg, const char* file, int line) {
  throw gpustream::logic_error{msg, std::string{cond} + " failed at " + base_name(file) + ":" + std::to_string(line)};
}

void throw_cuda_error(int code, const char* call, const char* file, int line) {
  throw gpustream::cuda_error{std::string{call} + " failed with " + cuda_rt::error_string(code) +
                              " at " + base_name(file) + ":" + std::to_string(line)};
}

}  // namespace gpustream::detail
