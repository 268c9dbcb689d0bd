// parse_duration: every unit over random values against a reference, and the
// texts it refuses with their messages.

#include <gpustream/core/duration.hpp>
#include <gpustream/core/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>

namespace gpustream {
namespace {

using std::chrono::milliseconds;

std::string message_of(const std::string& text, const std::string& what = "duration") {
  try {
    parse_duration(text, what);
  } catch (const gpustream::logic_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(parse_duration, every_unit_over_random_values) {
  std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t seed = rng();
  SCOPED_TRACE("seed " + std::to_string(seed));
  rng.seed(seed);
  const struct {
    const char* unit;
    double ms;
  } units[] = {{"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"min", 60e3}, {"h", 3600e3}};
  for (int i = 0; i < 2000; ++i) {
    const auto& u = units[rng() % std::size(units)];
    const std::uint64_t whole = 1 + rng() % 100000;
    const int fraction_digits = static_cast<int>(rng() % 4);
    std::uint64_t fraction = 0;
    std::string text = std::to_string(whole);
    if (fraction_digits > 0) {
      std::uint64_t scale = 1;
      for (int d = 0; d < fraction_digits; ++d) scale *= 10;
      fraction = rng() % scale;
      std::string digits = std::to_string(fraction);
      text += "." + std::string(static_cast<std::size_t>(fraction_digits) - digits.size(), '0') + digits;
    }
    text += u.unit;
    const double value = std::stod(text.substr(0, text.find_first_not_of("0123456789.")));
    const auto want = static_cast<std::int64_t>(std::llround(value * u.ms));
    if (want > 1'000'000'000'000) continue;
    EXPECT_EQ(parse_duration(text).count(), want) << text;
  }
}

TEST(parse_duration, exact_forms) {
  EXPECT_EQ(parse_duration("1s"), milliseconds{1000});
  EXPECT_EQ(parse_duration("+2s"), milliseconds{2000});
  EXPECT_EQ(parse_duration("2.5s"), milliseconds{2500});
  EXPECT_EQ(parse_duration(".5s"), milliseconds{500});
  EXPECT_EQ(parse_duration("500ms"), milliseconds{500});
  EXPECT_EQ(parse_duration("1m"), milliseconds{60000});
  EXPECT_EQ(parse_duration("1min"), milliseconds{60000});
  EXPECT_EQ(parse_duration("1h"), milliseconds{3600000});
  EXPECT_EQ(parse_duration("0.5ms"), milliseconds{1}) << "rounded to the nearest millisecond";
  EXPECT_EQ(parse_duration("1000000000s"), milliseconds{1'000'000'000'000});
}

TEST(parse_duration, refuses_with_a_message_naming_the_value) {
  EXPECT_EQ(message_of("5"), "duration '5' has no unit: write 5s, 5ms or 5m, for example");
  EXPECT_EQ(message_of("250", "batch interval"), "batch interval '250' has no unit: write 250s, 250ms or 250m, for example");
  EXPECT_EQ(message_of("1."), "duration '1.' has no unit: write 1.s, 1.ms or 1.m, for example");
  EXPECT_EQ(message_of("0"), "duration must be positive (got '0')");
  EXPECT_EQ(message_of("0s"), "duration must be positive (got '0s')");
  EXPECT_EQ(message_of("-500ms", "batch interval"), "batch interval must be positive (got '-500ms')");
  EXPECT_EQ(message_of("0.4ms"), "duration must be at least 1 ms (got '0.4ms')");
  EXPECT_NE(message_of("").find("invalid duration ''"), std::string::npos);
  EXPECT_NE(message_of("soon").find("invalid duration 'soon'"), std::string::npos);
  EXPECT_NE(message_of("s").find("invalid duration 's'"), std::string::npos);
  EXPECT_NE(message_of("5 s").find("unknown unit ' s'"), std::string::npos);
  EXPECT_NE(message_of("5sec").find("unknown unit 'sec'"), std::string::npos);
  EXPECT_NE(message_of("1e3s").find("unknown unit 'e3s'"), std::string::npos);
  EXPECT_NE(message_of("5S").find("unknown unit 'S'"), std::string::npos);
  EXPECT_EQ(message_of("1000000001s"), "duration '1000000001s' is too long");
  EXPECT_EQ(message_of("99999999999999999999h"), "duration '99999999999999999999h' is too long");
}

}  // namespace
}  // namespace gpustream
