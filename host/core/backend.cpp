#include <gpustream/config.hpp>
#include <gpustream/core/backend.hpp>
#include <gpustream/core/error.hpp>

#include "../cuda/cuda_runtime.hpp"

#include <omp.h>

namespace gpustream {

std::string_view to_string(backend b) noexcept {
  switch (b) {
    case backend::cpu: return "cpu";
    case backend::cuda: return "cuda";
    case backend::automatic: return "auto";
  }
  return "unknown";
}

backend parse_backend(std::string_view name) {
  if (name == "cpu") return backend::cpu;
  if (name == "cuda") return backend::cuda;
  if (name == "auto") return backend::automatic;
  throw logic_error{"unknown backend '" + std::string{name} + "' (expected auto, cuda or cpu)"};
}

bool cuda_compiled() noexcept { return GPUSTREAM_HAS_CUDA != 0; }

bool cuda_device_available() noexcept { return detail::cuda_rt::device_available(); }

backend resolve_backend(backend requested) {
  switch (requested) {
    case backend::cpu: return backend::cpu;
    case backend::cuda:
      if (!cuda_device_available()) {
        throw backend_unavailable{"backend 'cuda' requested but " +
                                  detail::cuda_rt::unavailable_reason()};
      }
      return backend::cuda;
    case backend::automatic:
      return cuda_device_available() ? backend::cuda : backend::cpu;
  }
  throw logic_error{"invalid backend value"};
}

std::string describe_backend(backend b) {
  const backend r = resolve_backend(b);
  if (r == backend::cuda) return "cuda (" + detail::cuda_rt::device_description() + ")";
  const int threads = omp_get_max_threads();
  return "cpu (OpenMP, " + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
}

}  // namespace gpustream
