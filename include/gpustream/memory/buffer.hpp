#pragma once

#include <gpustream/core/stream.hpp>
#include <gpustream/memory/memory_resource.hpp>

#include <cstddef>

namespace gpustream {

/// Direction-agnostic copy of `bytes` bytes between memory of the stream's
/// backend and host memory (either side may be either). Asynchronous on the CUDA
/// backend: synchronize the stream before reading host results.
void copy_bytes(void* dst, const void* src, std::size_t bytes, stream_view s);

/// Sets `bytes` bytes at `dst` (memory of the stream's backend) to `value`.
void fill_bytes(void* dst, int value, std::size_t bytes, stream_view s);

/// Owning, untyped, uninitialised memory of one backend, freed on the stream it
/// was allocated on. Movable, noncopyable.
class buffer {
 public:
  buffer() = default;
  /// Allocates `bytes` from `mr` (the backend's default resource when null).
  buffer(std::size_t bytes, stream_view s, memory_resource* mr = nullptr)
      : mr_{resource_or_default(mr, s)}, stream_{s}, size_{bytes} {
    data_ = mr_->allocate(bytes, s);
  }
  ~buffer() { release(); }
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  buffer(buffer&& o) noexcept : mr_{o.mr_}, stream_{o.stream_}, data_{o.data_}, size_{o.size_} {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  buffer& operator=(buffer&& o) noexcept {
    if (this != &o) {
      release();
      mr_ = o.mr_;
      stream_ = o.stream_;
      data_ = o.data_;
      size_ = o.size_;
      o.data_ = nullptr;
      o.size_ = 0;
    }
    return *this;
  }

  void* data() noexcept { return data_; }
  const void* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  stream_view stream() const noexcept { return stream_; }
  backend kind() const noexcept { return stream_.kind(); }

 private:
  void release() noexcept {
    if (data_ != nullptr) mr_->deallocate(data_, size_, stream_);
    data_ = nullptr;
    size_ = 0;
  }
  memory_resource* mr_ = nullptr;
  stream_view stream_ = stream_view::cpu();
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace gpustream
