#pragma once

#include <gpustream/memory/array.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpustream {

/// A string seen from a kernel: pointer and length, no ownership.
struct string_ref {
  const char* data;
  length_type size;
};

/// Trivially copyable view of string spans for kernels: string i is
/// chars[starts[i], starts[i] + lengths[i]).
struct spans_device_view {
  const char* chars;
  const offset_type* starts;
  const length_type* lengths;
  size_type size;
  GPUSTREAM_HOST_DEVICE string_ref element(size_type i) const {
    return string_ref{chars + starts[i], lengths[i]};
  }
};

/// Trivially copyable view of an Arrow-layout string column for kernels: string
/// i is chars[offsets[i], offsets[i + 1]).
struct strings_device_view {
  const char* chars;
  const offset_type* offsets;
  size_type size;
  GPUSTREAM_HOST_DEVICE string_ref element(size_type i) const {
    return string_ref{chars + offsets[i], static_cast<length_type>(offsets[i + 1] - offsets[i])};
  }
};

/// Non-owning view of strings that are (offset, length) spans into one chars
/// buffer: the lines of a batch, or the tokens of those lines. No bytes are
/// copied to make them. The lines of a batch and the tokens of split_words
/// are sorted by offset and do not overlap (tokenize needs its lines so); other
/// spans may come in any order and may overlap: a user's flat_map or map may
/// take the same bytes twice, and a reduction keeps one occurrence of each
/// key, wherever it is. `chars_size` is the size of the buffer at `chars`:
/// every span lies within it, and the CPU backend may read any of its bytes
/// (a short span's neighbours among them, for whole-word loads).
class string_spans_view {
 public:
  string_spans_view() = default;
  string_spans_view(const char* chars, size_type chars_size, const offset_type* starts,
                    const length_type* lengths, size_type size, backend kind)
      : chars_{chars},
        chars_size_{chars_size},
        starts_{starts},
        lengths_{lengths},
        size_{size},
        kind_{kind} {}

  const char* chars() const noexcept { return chars_; }
  size_type chars_size() const noexcept { return chars_size_; }
  const offset_type* starts() const noexcept { return starts_; }
  const length_type* lengths() const noexcept { return lengths_; }
  size_type size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  backend kind() const noexcept { return kind_; }
  spans_device_view device_view() const noexcept { return {chars_, starts_, lengths_, size_}; }

 private:
  const char* chars_ = nullptr;
  size_type chars_size_ = 0;
  const offset_type* starts_ = nullptr;
  const length_type* lengths_ = nullptr;
  size_type size_ = 0;
  backend kind_ = backend::cpu;
};

/// Owning (start, length) columns over a chars buffer that it does NOT own: the
/// buffer must outlive the spans.
class string_spans {
 public:
  string_spans() = default;
  string_spans(const char* chars, size_type chars_size, array<offset_type>&& starts,
               array<length_type>&& lengths)
      : chars_{chars}, chars_size_{chars_size}, starts_{std::move(starts)}, lengths_{std::move(lengths)} {
    GPUSTREAM_EXPECTS(starts_.size() == lengths_.size(), "starts and lengths differ in size");
  }

  size_type size() const noexcept { return starts_.size(); }
  bool empty() const noexcept { return size() == 0; }
  const array<offset_type>& starts() const noexcept { return starts_; }
  const array<length_type>& lengths() const noexcept { return lengths_; }
  string_spans_view view() const noexcept {
    return {chars_, chars_size_, starts_.data(), lengths_.data(), size(), starts_.kind()};
  }
  operator string_spans_view() const noexcept { return view(); }  // NOLINT: implicit by design

 private:
  const char* chars_ = nullptr;
  size_type chars_size_ = 0;
  array<offset_type> starts_;
  array<length_type> lengths_;
};

/// Non-owning view of an Arrow-layout string column (chars + size+1 offsets).
class string_column_view {
 public:
  string_column_view() = default;
  string_column_view(const char* chars, const offset_type* offsets, size_type size, backend kind)
      : chars_{chars}, offsets_{offsets}, size_{size}, kind_{kind} {}
  const char* chars() const noexcept { return chars_; }
  const offset_type* offsets() const noexcept { return offsets_; }
  size_type size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  backend kind() const noexcept { return kind_; }
  strings_device_view device_view() const noexcept { return {chars_, offsets_, size_}; }

 private:
  const char* chars_ = nullptr;
  const offset_type* offsets_ = nullptr;
  size_type size_ = 0;
  backend kind_ = backend::cpu;
};

/// Owning string column in the Arrow layout: chars, and size()+1 64-bit offsets.
class string_column {
 public:
  string_column() = default;
  string_column(array<char>&& chars, array<offset_type>&& offsets)
      : chars_{std::move(chars)}, offsets_{std::move(offsets)} {
    GPUSTREAM_EXPECTS(offsets_.size() >= 1 || chars_.size() == 0,
                      "a string column needs size()+1 offsets");
  }

  /// Copies host strings into a new column.
  static string_column from_host(const std::vector<std::string>& h_strings, stream_view s,
                                 memory_resource* mr = nullptr);

  size_type size() const noexcept { return offsets_.size() > 0 ? offsets_.size() - 1 : 0; }
  bool empty() const noexcept { return size() == 0; }
  const array<char>& chars() const noexcept { return chars_; }
  const array<offset_type>& offsets() const noexcept { return offsets_; }
  string_column_view view() const noexcept {
    return {chars_.data(), offsets_.data(), size(), offsets_.kind()};
  }
  operator string_column_view() const noexcept { return view(); }  // NOLINT: implicit by design

  /// Copies the strings to the host; waits for the stream.
  std::vector<std::string> to_host() const;

  /// The chars and the offsets, leaving the column empty.
  std::pair<array<char>, array<offset_type>> release() && {
    return {std::move(chars_), std::move(offsets_)};
  }

 private:
  array<char> chars_;
  array<offset_type> offsets_;
};

/// Copies the strings of `spans` to the host (synchronises `s`). Only what the
/// spans need crosses over: the bytes between the lowest start and the highest
/// end (a compact column, or the first records of a large batch), or, when the
/// spans cover less than half of that range (a filter's matches spread over a
/// batch), their bytes alone, gathered on the backend first.
std::vector<std::string> to_host(string_spans_view spans, stream_view s);

}  // namespace gpustream
