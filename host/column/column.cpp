#include <gpustream/column/column.hpp>

#include <gpustream/core/error.hpp>

#include <string>
#include <utility>

namespace gpustream {
namespace {

std::string what(const data_type& type) { return "a column of " + to_string(type); }

/// Checks an offsets child: int64 without nulls, size + 1 values (or none
/// for an empty column).
void expect_offsets(const column_view& offsets, size_type size, const data_type& type) {
  GPUSTREAM_EXPECTS(offsets.type().id() == type_id::int64 && offsets.null_count() == 0,
                    what(type) + ": its offsets must be int64 without nulls, not " + to_string(offsets.type()));
  GPUSTREAM_EXPECTS(offsets.size() == size + 1 || (size == 0 && offsets.size() == 0),
                    what(type) + " of " + std::to_string(size) + " rows needs " + std::to_string(size + 1) +
                        " offsets, not " + std::to_string(offsets.size()));
}

void expect_plain(const column_view& c, type_id id, size_type size, const char* name, const data_type& type) {
  GPUSTREAM_EXPECTS(c.type().id() == id && c.null_count() == 0 && c.size() == size,
                    what(type) + ": its " + name + " must be " + std::string{type_name(id)} + " without nulls, " +
                        std::to_string(size) + " of them");
}

}  // namespace

column_view::column_view(data_type type, size_type size, const void* data, const bitmask_word* null_mask,
                         size_type null_count, std::vector<column_view> children, backend kind)
    : type_{std::move(type)},
      size_{size},
      data_{data},
      null_mask_{null_mask},
      null_count_{null_count},
      children_{std::move(children)},
      kind_{kind} {
  GPUSTREAM_EXPECTS(size_ >= 0, what(type_) + ": size " + std::to_string(size_) + " is negative");
  GPUSTREAM_EXPECTS(null_count_ >= 0 && null_count_ <= size_,
                    what(type_) + ": " + std::to_string(null_count_) + " nulls in " + std::to_string(size_) + " rows");
  GPUSTREAM_EXPECTS(null_count_ == 0 || null_mask_ != nullptr,
                    what(type_) + " with nulls needs a validity bitmap");
  for (const column_view& c : children_) {
    GPUSTREAM_EXPECTS(c.kind() == kind_, what(type_) + ": a child is in " + std::string{to_string(c.kind())} +
                                             " memory, the column in " + std::string{to_string(kind_)});
  }
  switch (type_.id()) {
    case type_id::string:
      if (children_.size() == 1) {
        expect_offsets(children_[0], size_, type_);
      } else {
        GPUSTREAM_EXPECTS(children_.size() == 2,
                          what(type_) + " has offsets (one child) or starts and lengths (two), not " +
                              std::to_string(children_.size()) + " children");
        expect_plain(children_[0], type_id::int64, size_, "starts", type_);
        expect_plain(children_[1], type_id::int32, size_, "lengths", type_);
      }
      GPUSTREAM_EXPECTS(data_ != nullptr || size_ == 0 || children_.size() == 1,
                        what(type_) + " of spans needs its chars");
      break;
    case type_id::list: {
      GPUSTREAM_EXPECTS(children_.size() == 2, what(type_) + " has two children (offsets and elements), not " +
                                                   std::to_string(children_.size()));
      expect_offsets(children_[0], size_, type_);
      const field& item = type_.children().front();
      GPUSTREAM_EXPECTS(children_[1].type() == item.type, what(type_) + ": its elements are " +
                                                             to_string(children_[1].type()));
      GPUSTREAM_EXPECTS(item.nullable || children_[1].null_count() == 0,
                        what(type_) + ": its elements are never null, but " +
                            std::to_string(children_[1].null_count()) + " are");
      break;
    }
    case type_id::struct_: {
      const auto& fields = type_.children();
      GPUSTREAM_EXPECTS(children_.size() == fields.size(), what(type_) + " has " + std::to_string(fields.size()) +
                                                               " children, not " + std::to_string(children_.size()));
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const column_view& c = children_[i];
        GPUSTREAM_EXPECTS(c.type() == fields[i].type && c.size() == size_,
                          what(type_) + ": field '" + fields[i].name + "' is " + std::to_string(c.size()) +
                              " rows of " + to_string(c.type()));
        GPUSTREAM_EXPECTS(fields[i].nullable || c.null_count() == 0,
                          what(type_) + ": field '" + fields[i].name + "' is never null, but " +
                              std::to_string(c.null_count()) + " rows are");
      }
      break;
    }
    default:
      GPUSTREAM_EXPECTS(children_.empty(), what(type_) + " has no children");
      GPUSTREAM_EXPECTS(data_ != nullptr || size_ == 0, what(type_) + " of " + std::to_string(size_) +
                                                            " rows has no values");
      break;
  }
}

column_view column_view::of_strings(const string_spans_view& spans, const bitmask_word* null_mask,
                                    size_type null_count) {
  const backend k = spans.kind();
  std::vector<column_view> children;
  children.push_back(of_values(data_type{type_id::int64}, array_view<offset_type>{spans.starts(), spans.size(), k}));
  children.push_back(of_values(data_type{type_id::int32}, array_view<length_type>{spans.lengths(), spans.size(), k}));
  column_view v{data_type{type_id::string}, spans.size(), spans.chars(), null_mask, null_count, std::move(children), k};
  v.chars_size_ = spans.chars_size();
  return v;
}

column_view column_view::of_strings(const string_column_view& strings) {
  const backend k = strings.kind();
  const size_type n = strings.size();
  std::vector<column_view> children;
  children.push_back(of_values(data_type{type_id::int64},
                               array_view<offset_type>{strings.offsets(), strings.offsets() ? n + 1 : 0, k}));
  return column_view{data_type{type_id::string}, n, strings.chars(), nullptr, 0, std::move(children), k};
}

string_spans_view column_view::as_spans() const {
  GPUSTREAM_EXPECTS(is_spans(), what(type_) + " is not in the spans layout");
  return string_spans_view{static_cast<const char*>(data_), chars_size_, children_[0].data<offset_type>(),
                           children_[1].data<length_type>(), size_, kind_};
}

column::column(data_type type, size_type size, buffer data, buffer null_mask, size_type null_count,
               std::vector<column> children)
    : column{unchecked{}, std::move(type), size, std::move(data), std::move(null_mask), null_count,
             std::move(children)} {
  (void)view();  // checks the layout
}

column::column(unchecked, data_type type, size_type size, buffer data, buffer null_mask, size_type null_count,
               std::vector<column> children)
    : type_{std::move(type)},
      size_{size},
      data_{std::move(data)},
      null_mask_{std::move(null_mask)},
      null_count_{null_count},
      children_{std::move(children)} {
  kind_ = data_.data() != nullptr        ? data_.kind()
          : null_mask_.data() != nullptr ? null_mask_.kind()
          : !children_.empty()           ? children_.front().kind()
                                         : data_.kind();
  if (type_.is_fixed_width()) {
    GPUSTREAM_EXPECTS(data_.size() >= static_cast<std::size_t>(size_) * value_width(type_.id()),
                      what(type_) + ": " + std::to_string(data_.size()) + " bytes hold fewer than " +
                          std::to_string(size_) + " values");
  }
  if (null_mask_.data() != nullptr) {
    GPUSTREAM_EXPECTS(null_mask_.size() >= static_cast<std::size_t>(bitmask_words(size_)) * sizeof(bitmask_word),
                      what(type_) + ": its validity bitmap is too small for " + std::to_string(size_) + " rows");
  }
}

column column::spans(const char* chars, size_type chars_size, array<offset_type>&& starts,
                     array<length_type>&& lengths, buffer null_mask, size_type null_count) {
  std::vector<column> children;
  children.emplace_back(data_type{type_id::int64}, std::move(starts));
  children.emplace_back(data_type{type_id::int32}, std::move(lengths));
  const size_type n = children.front().size();
  column c{unchecked{}, data_type{type_id::string}, n, buffer{}, std::move(null_mask), null_count, std::move(children)};
  c.borrowed_ = chars;
  c.borrowed_size_ = chars_size;
  (void)c.view();
  return c;
}

column_view column::view() const {
  std::vector<column_view> children;
  children.reserve(children_.size());
  for (const column& c : children_) children.push_back(c.view());
  const void* data = borrowed_ != nullptr ? borrowed_ : data_.data();
  const auto* mask = static_cast<const bitmask_word*>(null_mask_.data());
  if (borrowed_ != nullptr) {
    string_spans_view spans{static_cast<const char*>(data), borrowed_size_, children[0].data<offset_type>(),
                            children[1].data<length_type>(), size_, kind_};
    return column_view::of_strings(spans, mask, null_count_);
  }
  return column_view{type_, size_, data, mask, null_count_, std::move(children), kind_};
}

}  // namespace gpustream
