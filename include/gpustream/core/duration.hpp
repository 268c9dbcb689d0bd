#pragma once

#include <chrono>
#include <string_view>

namespace gpustream {

/// Parses a duration as configuration writes it: a number, with an optional
/// fraction, and a unit: `ms`, `s`, `m` or `min`, `h` ("500ms", "1s", "2.5s",
/// "1m"). A number without a unit is refused, since it could mean
/// milliseconds or seconds. `what` names the value in messages ("batch
/// interval"). Throws gpustream::logic_error, naming `what` and the text, for
/// anything else, a duration that is not positive once rounded to whole
/// milliseconds, and one over 10^12 ms.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what = "duration");

}  // namespace gpustream
