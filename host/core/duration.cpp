#include <gpustream/core/duration.hpp>
#include <gpustream/core/error.hpp>

#include <cstdint>
#include <string>

namespace gpustream {

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what_view) {
  const std::string what{what_view};
  const std::string quoted = "'" + std::string{text} + "'";
  const std::string expected = "; expected a number and a unit, e.g. 500ms, 1s, 2.5s, 1m or 1h";
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    GPUSTREAM_EXPECTS(text[i] != '-', what + " must be positive (got " + quoted + ")");
    ++i;
  }
  double value = 0;
  std::size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) value = value * 10 + (text[i] - '0');
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits, scale /= 10) {
      value += (text[i] - '0') * scale;
    }
  }
  GPUSTREAM_EXPECTS(digits > 0, "invalid " + what + " " + quoted + expected);
  const std::string_view unit = text.substr(i);
  const std::string number{text.substr(0, i)};
  GPUSTREAM_EXPECTS(!unit.empty() || value == 0, what + " " + quoted + " has no unit: write " + number + "s, " +
                                                     number + "ms or " + number + "m, for example");
  double unit_ms = 1;
  if (unit == "s") {
    unit_ms = 1e3;
  } else if (unit == "m" || unit == "min") {
    unit_ms = 60e3;
  } else if (unit == "h") {
    unit_ms = 3600e3;
  } else {
    GPUSTREAM_EXPECTS(unit.empty() || unit == "ms",
                      "invalid " + what + " " + quoted + ": unknown unit '" + std::string{unit} + "'" + expected);
  }
  const double ms = value * unit_ms;
  GPUSTREAM_EXPECTS(ms <= 1e12, what + " " + quoted + " is too long");
  const auto rounded = static_cast<std::int64_t>(ms + 0.5);
  GPUSTREAM_EXPECTS(rounded > 0, what + (ms > 0 ? " must be at least 1 ms" : " must be positive") + " (got " +
                                     quoted + ")");
  return std::chrono::milliseconds{rounded};
}

}  // namespace gpustream
