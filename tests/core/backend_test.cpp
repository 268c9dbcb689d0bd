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
  const auto host = array<char>::from_host(std::vector<char>{'a', '\n'}, stream_view::cpu());
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
    const auto c = array<std::int64_t>::from_host(h, s());
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

// to_host of spans in any order, overlapping, empty, spread thinly over a
// large buffer (the lines a filter kept) or covering it; and a span outside
// its buffer is an error, not a read past it.
TEST_P(column_test, spans_to_host_in_any_order_and_spread) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : {std::size_t{1}, std::size_t{100}, std::size_t{3} << 20}) {
    std::string chars(size, 'a');
    for (char& c : chars) c = static_cast<char>(gen() % 256);
    const std::size_t count = gen() % 2 == 0 ? 50 : 5000;
    std::vector<offset_type> starts;
    std::vector<length_type> lengths;
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t at = gen() % size;
      const std::size_t len = std::min<std::size_t>(gen() % 40, size - at);
      starts.push_back(static_cast<offset_type>(at));
      lengths.push_back(static_cast<length_type>(len));
      expected.push_back(chars.substr(at, len));
    }
    SCOPED_TRACE("size=" + std::to_string(size) + " spans=" + std::to_string(count));
    const auto input = upload_exact(chars);
    const auto d_starts = array<offset_type>::from_host(starts, s());
    const auto d_lengths = array<length_type>::from_host(lengths, s());
    const string_spans_view view{input.data(), input.size(), d_starts.data(), d_lengths.data(),
                                 static_cast<size_type>(count), GetParam()};
    EXPECT_EQ(to_host(view, s()), expected);

    starts.back() = static_cast<offset_type>(size) - lengths.back() + 1;  // one byte past the end
    const auto bad_starts = array<offset_type>::from_host(starts, s());
    const string_spans_view bad{input.data(), input.size(), bad_starts.data(), d_lengths.data(),
                                static_cast<size_type>(count), GetParam()};
    expect_logic_error([&] { (void)to_host(bad, s()); }, "outside its chars buffer");
  }
}

TEST_P(column_test, moved_from_columns_are_empty) {
  auto a = array<int>::from_host(std::vector<int>{1, 2, 3}, s());
  array<int> b = std::move(a);
  EXPECT_EQ(b.to_host(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(a.data(), nullptr);  // NOLINT: checking the moved-from state on purpose
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(column_test);

}  // namespace
}  // namespace gpustream::test
