// hash_strings, written once over Thrust for both backends.

#include "detail/common.hpp"

#include <gpustream/text/hash.hpp>

#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

array<hash_type> hash_strings(string_spans_view strings, stream_view s, memory_resource* mr,
                               hash_function f) {
  expect_backend(strings.kind(), s, "hash_strings");
  array<hash_type> out{strings.size(), s, mr};
  if (strings.empty()) return out;
  const spans_device_view d_strings = strings.device_view();
  thrust::transform(policy(s), thrust::counting_iterator<size_type>(0),
                    thrust::counting_iterator<size_type>(strings.size()), out.data(),
                    [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                      return hash_string(d_strings.element(i), f);
                    });
  return out;
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
