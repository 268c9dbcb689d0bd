#include <gpustream/core/stream.hpp>

#include "../cuda/cuda_runtime.hpp"

#include <utility>

namespace gpustream {

void stream_view::synchronize() const {
  if (is_cuda()) detail::cuda_rt::synchronize(handle_);
}

stream::stream(backend b) : view_{stream_view::cpu()} {
  if (resolve_backend(b) == backend::cuda) view_ = stream_view::cuda(detail::cuda_rt::acquire_stream());
}

stream::~stream() {
  if (view_.is_cuda()) detail::cuda_rt::release_stream(view_.handle());
}

stream::stream(stream&& other) noexcept : view_{std::exchange(other.view_, stream_view::cpu())} {}

stream& stream::operator=(stream&& other) noexcept {
  if (this != &other) {
    if (view_.is_cuda()) detail::cuda_rt::release_stream(view_.handle());
    view_ = std::exchange(other.view_, stream_view::cpu());
  }
  return *this;
}

}  // namespace gpustream
