#pragma once

#include <gpustream/core/error.hpp>
#include <gpustream/core/host_device.hpp>
#include <gpustream/core/types.hpp>
#include <gpustream/memory/buffer.hpp>

#include <type_traits>
#include <vector>

namespace gpustream {

/// Trivially copyable view of a column's memory, passed to kernels by value.
template <class T>
struct column_device_view {
  T* data;
  size_type size;
  GPUSTREAM_HOST_DEVICE T& operator[](size_type i) const { return data[i]; }
};

/// Non-owning view of a column of fixed-size values in one backend's memory.
template <class T>
class column_view {
 public:
  column_view() = default;
  column_view(const T* data, size_type size, backend kind) : data_{data}, size_{size}, kind_{kind} {}
  const T* data() const noexcept { return data_; }
  size_type size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  backend kind() const noexcept { return kind_; }
  column_device_view<const T> device_view() const noexcept { return {data_, size_}; }

 private:
  const T* data_ = nullptr;
  size_type size_ = 0;
  backend kind_ = backend::cpu;
};

/// Owning column of `size` fixed-size values (device memory on the CUDA backend,
/// host memory on the CPU backend). Contents are uninitialised on construction.
template <class T>
class column {
  static_assert(std::is_trivially_copyable_v<T>, "column holds trivially copyable values");

 public:
  column() = default;
  column(size_type size, stream_view s, memory_resource* mr = nullptr)
      : data_{static_cast<std::size_t>(size) * sizeof(T), s, mr}, size_{size} {
    GPUSTREAM_EXPECTS(size >= 0, "column size must not be negative");
  }

  /// Copies `n` host values into a new column.
  static column from_host(const T* h_values, size_type n, stream_view s,
                          memory_resource* mr = nullptr) {
    column c{n, s, mr};
    if (n > 0) copy_bytes(c.data(), h_values, static_cast<std::size_t>(n) * sizeof(T), s);
    return c;
  }
  static column from_host(const std::vector<T>& h_values, stream_view s,
                          memory_resource* mr = nullptr) {
    return from_host(h_values.data(), static_cast<size_type>(h_values.size()), s, mr);
  }

  /// Copies the column to the host; waits for the stream.
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

  column_view<T> view() const noexcept { return {data(), size_, kind()}; }
  operator column_view<T>() const noexcept { return view(); }  // NOLINT: implicit by design
  column_device_view<T> device_view() noexcept { return {data(), size_}; }
  column_device_view<const T> device_view() const noexcept { return {data(), size_}; }

 private:
  buffer data_;
  size_type size_ = 0;
};

/// Copies a view's values to the host (synchronises `s`).
template <class T>
std::vector<T> to_host(column_view<T> v, stream_view s) {
  std::vector<T> h(static_cast<std::size_t>(v.size()));
  if (!h.empty()) copy_bytes(h.data(), v.data(), h.size() * sizeof(T), s);
  s.synchronize();
  return h;
}

}  // namespace gpustream
