#pragma once

#include <gpustream/core/backend.hpp>

struct CUstream_st;

namespace gpustream {

/// The CUDA runtime's stream handle type (`cudaStream_t`), named without
/// including CUDA headers so that public headers compile with any C++ compiler.
using cuda_stream_t = CUstream_st*;

/// A non-owning handle saying where work runs: the CPU backend, or a CUDA
/// stream on the current device. Cheap to copy; passed last to every function
/// that launches work or allocates.
class stream_view {
 public:
  /// The CPU backend (no stream).
  static constexpr stream_view cpu() noexcept { return stream_view{backend::cpu, nullptr}; }
  /// A CUDA stream; nullptr is the per-thread default stream.
  static constexpr stream_view cuda(cuda_stream_t handle = nullptr) noexcept {
    return stream_view{backend::cuda, handle};
  }

  constexpr backend kind() const noexcept { return kind_; }
  constexpr bool is_cuda() const noexcept { return kind_ == backend::cuda; }
  constexpr cuda_stream_t handle() const noexcept { return handle_; }

  /// Waits for all work queued on this stream. No-op on the CPU backend, whose
  /// operators complete before they return. Throws gpustream::cuda_error.
  void synchronize() const;

 private:
  constexpr stream_view(backend k, cuda_stream_t h) noexcept : kind_{k}, handle_{h} {}
  backend kind_;
  cuda_stream_t handle_;
};

/// An owning stream: a non-blocking CUDA stream for the CUDA backend, or the
/// CPU backend's (empty) stream. Resolves `automatic`. Noncopyable. A CUDA
/// stream's handle is recycled, never destroyed: when its owner goes it returns
/// to a process-wide list for the next stream, so that memory allocated on it
/// and freed later (a column kept longer than its stream, a DStream's window or
/// state kept after its context) is freed on a live stream.
class stream {
 public:
  explicit stream(backend b);
  ~stream();
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  stream(stream&& other) noexcept;
  stream& operator=(stream&& other) noexcept;

  stream_view view() const noexcept { return view_; }
  operator stream_view() const noexcept { return view_; }  // NOLINT: implicit by design
  void synchronize() const { view_.synchronize(); }

 private:
  stream_view view_;
};

}  // namespace gpustream
