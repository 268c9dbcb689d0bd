#include "../common/test_utils.hpp"

#include <gpustream/core/backend.hpp>
#include <gpustream/text/split_lines.hpp>

namespace gpustream::test {
namespace {

TEST(backend, parse_and_print_round_trip) {
  for (auto b : {backend::cpu, backend::cuda, backend::automatic}) {
    EXPECT_EQ(parse_backend(to_string(b)), b);
  }
  EXPECT_THROW(parse_backend("gpu"), gpustream::logic_error);
  EXPECT_THROW(parse_backend(""), gpustream::logic_error);
  try {
    parse_backend("CUDA");
    FAIL() << "expected an exception";
  } catch (const gpustream::logic_error& e) {
    EXPECT_NE(std::string{e.what()}.find("expected auto, cuda or cpu"), std::string::npos) << e.what();
  }
}

TEST(backend, auto_resolves_to_what_is_present) {
  const backend chosen = resolve_backend(backend::automatic);
  EXPECT_EQ(chosen, cuda_device_available() ? backend::cuda : backend::cpu);
  EXPECT_EQ(resolve_backend(backend::cpu), backend::cpu);
  const std::string described = describe_backend(backend::automatic);
  EXPECT_EQ(described.rfind(std::string{to_string(chosen)} + " (", 0), 0u) << described;
}

TEST(backend, cuda_without_a_gpu_is_a_clear_error) {
  if (cuda_device_available()) GTEST_SKIP() << "a GPU is present: nothing to refuse";
  EXPECT_THROW(resolve_backend(backend::cuda), gpustream::backend_unavailable);
  EXPECT_THROW(gpustream::stream{backend::cuda}, gpustream::backend_unavailable);
}

TEST(backend, data_on_the_wrong_backend_is_rejected) {
  const auto host = column<char>::from_host(std::vector<char>{'a', '\n'}, stream_view::cpu());
  // Host data with a CUDA stream: refused (by the backend check, or because
  // there is no CUDA backend to run it).
  EXPECT_ANY_THROW(split_lines(host.view(), stream_view::cuda()));
}

// what() is the message for the user; where() names the check and its place.
TEST(errors, expects_gives_the_message_and_keeps_the_place_apart) {
  try {
    GPUSTREAM_EXPECTS(1 + 1 == 3, "arithmetic is broken");
    FAIL() << "expected an exception";
  } catch (const gpustream::logic_error& e) {
    EXPECT_EQ(std::string{e.what()}, "arithmetic is broken");
    EXPECT_NE(e.where().find("1 + 1 == 3"), std::string::npos) << e.where();
    EXPECT_NE(e.where().find("backend_test.cpp"), std::string::npos) << e.where();
  }
}

class column_test : public backend_test {};

TEST_P(column_test, host_round_trip_at_many_sizes) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t n : interesting_sizes()) {
    std::vector<std::int64_t> h(n);
    for (auto& x : h) x = static_cast<std::int64_t>(gen());
    const auto c = column<std::int64_t>::from_host(h, s());
    EXPECT_EQ(c.size(), static_cast<size_type>(n));
    EXPECT_EQ(c.kind(), GetParam());
    EXPECT_EQ(c.to_host(), h);
  }
}

TEST_P(column_test, string_column_round_trip) {
  const std::vector<std::string> strings = {"", "a", std::string("\0z", 2), "caf\xC3\xA9", "", std::string(5000, 'x')};
  const auto c = string_column::from_host(strings, s());
  EXPECT_EQ(c.size(), 6);
  EXPECT_EQ(c.to_host(), strings);
  const auto empty = string_column::from_host({}, s());
  EXPECT_EQ(empty.size(), 0);
  EXPECT_TRUE(empty.to_host().empty());
}

TEST_P(column_test, moved_from_columns_are_empty) {
  auto a = column<int>::from_host(std::vector<int>{1, 2, 3}, s());
  column<int> b = std::move(a);
  EXPECT_EQ(b.to_host(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(a.data(), nullptr);  // NOLINT: checking the moved-from state on purpose
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(column_test);

}  // namespace
}  // namespace gpustream::test
