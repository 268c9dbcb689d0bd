#pragma once

#include <gpustream/core/host_device.hpp>

#include <type_traits>

namespace gpustream {

/// a + b. For integers the sum wraps around modulo 2^N on overflow, as the
/// JVM's long arithmetic (and so a Spark sum) does, where C++'s signed
/// addition would be undefined: the addition is made in the unsigned type.
/// Floating-point values add as usual. Every built-in integer sum of
/// gpustream (reduce_by_key, the windows, the state) adds this way, on both
/// backends.
template <class V>
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE V wrapping_add(V a, V b) {
  if constexpr (std::is_integral_v<V>) {
    using U = std::make_unsigned_t<V>;
    return static_cast<V>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}

/// -a, wrapping around for integers as wrapping_add does (the negation of the
/// smallest value is itself).
template <class V>
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE V wrapping_negate(V a) {
  if constexpr (std::is_integral_v<V>) {
    using U = std::make_unsigned_t<V>;
    return static_cast<V>(static_cast<U>(U{0} - static_cast<U>(a)));
  } else {
    return -a;
  }
}

/// wrapping_add as a binary functor, for reductions.
struct wrapping_plus {
  template <class V>
  GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE V operator()(V a, V b) const {
    return wrapping_add(a, b);
  }
};

}  // namespace gpustream
