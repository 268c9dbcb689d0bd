#include <gpustream/column/string_column.hpp>

#include <gpustream/column/concatenate.hpp>
#include <gpustream/core/error.hpp>

#include <algorithm>
#include <memory>

namespace gpustream {

string_column string_column::from_host(const std::vector<std::string>& h_strings, stream_view s,
                                       memory_resource* mr) {
  std::vector<offset_type> h_offsets(h_strings.size() + 1, 0);
  for (std::size_t i = 0; i < h_strings.size(); ++i) {
    h_offsets[i + 1] = h_offsets[i] + static_cast<offset_type>(h_strings[i].size());
  }
  std::vector<char> h_chars;
  h_chars.reserve(static_cast<std::size_t>(h_offsets.back()));
  for (const auto& str : h_strings) h_chars.insert(h_chars.end(), str.begin(), str.end());
  auto chars = array<char>::from_host(h_chars, s, mr);
  auto offsets = array<offset_type>::from_host(h_offsets, s, mr);
  // The host vectors die here: wait until the copies have read them.
  s.synchronize();
  return string_column{std::move(chars), std::move(offsets)};
}

std::vector<std::string> string_column::to_host() const {
  const auto h_offsets = offsets_.to_host();
  const auto h_chars = chars_.to_host();
  std::vector<std::string> out;
  if (h_offsets.empty()) return out;
  out.reserve(h_offsets.size() - 1);
  for (std::size_t i = 0; i + 1 < h_offsets.size(); ++i) {
    out.emplace_back(h_chars.data() + h_offsets[i],
                     static_cast<std::size_t>(h_offsets[i + 1] - h_offsets[i]));
  }
  return out;
}

namespace {

/// `n` bytes of backend memory at `p`, on the host; the buffer is left
/// uninitialised before the copy (a std::vector<char> would zero it first).
std::unique_ptr<char[]> download_bytes(const char* p, size_type n, stream_view s) {
  std::unique_ptr<char[]> h{new char[static_cast<std::size_t>(std::max<size_type>(n, 1))]};
  if (n > 0) copy_bytes(h.get(), p, static_cast<std::size_t>(n), s);
  s.synchronize();
  return h;
}

}  // namespace

std::vector<std::string> to_host(string_spans_view spans, stream_view s) {
  std::vector<std::string> out;
  if (spans.empty()) return out;
  if (spans.kind() == backend::cpu) {
    // Host memory already: each string is made from the chars themselves,
    // with no copy of the starts, lengths or bytes in between.
    s.synchronize();
    const offset_type* starts = spans.starts();
    const length_type* lengths = spans.lengths();
    out.reserve(static_cast<std::size_t>(spans.size()));
    for (size_type i = 0; i < spans.size(); ++i) {
      GPUSTREAM_EXPECTS(starts[i] >= 0 && lengths[i] >= 0 && starts[i] + lengths[i] <= spans.chars_size(),
                        "to_host: a span lies outside its chars buffer");
      out.emplace_back(spans.chars() + starts[i], static_cast<std::size_t>(lengths[i]));
    }
    return out;
  }
  const auto h_starts = to_host(array_view<offset_type>{spans.starts(), spans.size(), spans.kind()}, s);
  const auto h_lengths = to_host(array_view<length_type>{spans.lengths(), spans.size(), spans.kind()}, s);
  offset_type lo = h_starts[0];
  offset_type hi = lo;
  offset_type covered = 0;
  for (std::size_t i = 0; i < h_starts.size(); ++i) {
    lo = std::min(lo, h_starts[i]);
    hi = std::max(hi, h_starts[i] + h_lengths[i]);
    covered += h_lengths[i];
  }
  GPUSTREAM_EXPECTS(lo >= 0 && hi <= spans.chars_size(), "to_host: a span lies outside its chars buffer");
  out.reserve(h_starts.size());
  // Spans that cover little of their range (the lines a filter kept, spread
  // over a large batch) are first gathered into one compact column on the
  // backend, so that only their bytes cross over; otherwise the bytes between
  // the lowest start and the highest end do (the first records of a batch
  // for print, or a compact column).
  constexpr offset_type worth_gathering = offset_type{1} << 20;
  if (hi - lo > worth_gathering && covered < (hi - lo) / 2) {
    const string_column compact = concatenate({spans}, s);
    const auto h_chars = download_bytes(compact.chars().data(), compact.chars().size(), s);
    offset_type at = 0;
    for (const length_type n : h_lengths) {
      out.emplace_back(h_chars.get() + at, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }
  const auto h_chars = download_bytes(spans.chars() + lo, hi - lo, s);
  for (std::size_t i = 0; i < h_starts.size(); ++i) {
    out.emplace_back(h_chars.get() + (h_starts[i] - lo), static_cast<std::size_t>(h_lengths[i]));
  }
  return out;
}

}  // namespace gpustream
