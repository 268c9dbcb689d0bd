#pragma once

#include <string>
#include <string_view>

namespace gpustream {

/// Where operators run. `automatic` resolves to `cuda` when this build has the
/// CUDA backend and a GPU is present, else to `cpu`. The `cpu` backend has
/// fast paths of its own for its busiest operators; with the environment
/// variable GPUSTREAM_CPU_PORTABLE set (and not "0") when the process starts,
/// it runs the algorithms of the `cuda` backend instead (the same Thrust
/// source, slower on a CPU): the tests use it to check the CUDA backend's
/// logic where there is no GPU.
enum class backend { cpu, cuda, automatic };

/// "cpu", "cuda" or "auto".
std::string_view to_string(backend b) noexcept;

/// Parses "cpu", "cuda" or "auto". Throws gpustream::logic_error naming the
/// accepted values for anything else.
backend parse_backend(std::string_view name);

/// True when this build contains the CUDA backend.
bool cuda_compiled() noexcept;

/// True when the CUDA backend is compiled in and at least one GPU is usable.
/// The first call initialises the CUDA runtime (tens of milliseconds).
bool cuda_device_available() noexcept;

/// Resolves `automatic` and checks the choice: returns `cuda` or `cpu`.
/// Throws gpustream::backend_unavailable when `cuda` is requested in a CPU-only
/// build or on a machine without a usable GPU; the message says which.
backend resolve_backend(backend requested);

/// One line naming the backend and the device it runs on, e.g.
/// "cuda (NVIDIA H100 80GB HBM3, sm_90)" or "cpu (OpenMP, 2 threads)".
std::string describe_backend(backend b);

}  // namespace gpustream
