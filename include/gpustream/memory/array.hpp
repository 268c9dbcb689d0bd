#pragma once

#include <gpustream/core/error.hpp>
#include <gpustream/core/host_device.hpp>
#include <gpustream/core/types.hpp>
#include <gpustream/memory/buffer.hpp>

#include <type_traits>
#include <vector>

// Typed arrays: `size` values of one trivially copyable C++ type in one
// backend's memory (rmm's device_uvector, cudf's device_span). The buffers
// that a table's columns are made of.

namespace gpustream {

/// Trivially copyable view of an array's memory, passed to kernels by value.
template <class T>
struct array_device_view {
  T* data;
  size_type size;
  GPUSTREAM_HOST_DEVICE T& operator[](size_type i) const { return data[i]; }
};

/// Non-owning view of an array of fixed-size values in one backend's memory.
template <class T>
class array_view {
 public:
  array_view() = default;
  array_view(const T* data, size_type size, backend kind) : data_{data}, size_{size}, kind_{kind} {}
  const T* data() const noexcept { return data_; }
  size_type size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  backend kind() const noexcept { return kind_; }
  array_device_view<const T> device_view() const noexcept { return {data_, size_}; }

 private:
  const T* data_ = nullptr;
  size_type size_ = 0;
  backend kind_ = backend::cpu;
};

/// Owning array of `size` fixed-size values (device memory on the CUDA backend,
/// host memory on the CPU backend). Contents are uninitialised on construction.
template <class T>
class array {
  static_assert(std::is_trivially_copyable_v<T>, "array holds trivially copyable values");

 public:
  array() = default;
  array(size_type size, stream_view s, memory_resource* mr = nullptr)
      : data_{static_cast<std::size_t>(size) * sizeof(T), s, mr}, size_{size} {
    GPUSTREAM_EXPECTS(size >= 0, "array size must not be negative");
  }

  /// Copies `n` host values into a new array.
  static array from_host(const T* h_values, size_type n, stream_view s,
                          memory_resource* mr = nullptr) {
    array c{n, s, mr};
    if (n > 0) copy_bytes(c.data(), h_values, static_cast<std::size_t>(n) * sizeof(T), s);
    return c;
  }
  static array from_host(const std::vector<T>& h_values, stream_view s,
                          memory_resource* mr = nullptr) {
    return from_host(h_values.data(), static_cast<size_type>(h_values.size()), s, mr);
  }

  /// Copies the array to the host; waits for the stream.
  std::vector<T> to_host() const {
    std::vector<T> h(static_cast<std::size_t>(size_));
    if (size_ > 0) copy_bytes(h.data(), data(), h.size() * sizeof(T), stream());
    stream().synchronize();
    return h;
  }

  T* data() noexcept { return static_cast<T*>(data_.data()); }
  const T* data() const noexcept { return static_cast<const T*>(data_.data()); }
  size_type size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  stream_view stream() const noexcept { return data_.stream(); }
  backend kind() const noexcept { return data_.kind(); }

  /// The array's memory, leaving the array empty: what a column takes.
  buffer release() && noexcept {
    size_ = 0;
    return std::move(data_);
  }

  array_view<T> view() const noexcept { return {data(), size_, kind()}; }
  operator array_view<T>() const noexcept { return view(); }  // NOLINT: implicit by design
  array_device_view<T> device_view() noexcept { return {data(), size_}; }
  array_device_view<const T> device_view() const noexcept { return {data(), size_}; }

 private:
  buffer data_;
  size_type size_ = 0;
};

/// Copies a view's values to the host (synchronises `s`).
template <class T>
std::vector<T> to_host(array_view<T> v, stream_view s) {
  std::vector<T> h(static_cast<std::size_t>(v.size()));
  if (!h.empty()) copy_bytes(h.data(), v.data(), h.size() * sizeof(T), s);
  s.synchronize();
  return h;
}

}  // namespace gpustream
