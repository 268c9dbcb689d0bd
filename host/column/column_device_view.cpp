#include <gpustream/column/column_device_view.hpp>

#include <gpustream/core/error.hpp>

#include <string>

namespace gpustream {
namespace {

/// Lays out the views of `top` and all their children in one vector: the
/// top columns first, each column's children adjacent, children found by
/// their index in `child_index` (fixed up into pointers once the vector's
/// place in the backend's memory is known).
class layout {
 public:
  explicit layout(const std::vector<column_view>& top) {
    views_.resize(top.size());
    child_index_.resize(top.size(), -1);
    for (std::size_t i = 0; i < top.size(); ++i) place(top[i], i);
  }
  std::vector<column_device_view> fix_up(const column_device_view* base) && {
    for (std::size_t i = 0; i < views_.size(); ++i) {
      views_[i].children = child_index_[i] < 0 ? nullptr : base + child_index_[i];
    }
    return std::move(views_);
  }
  std::size_t size() const { return views_.size(); }

 private:
  void place(const column_view& c, std::size_t slot) {
    column_device_view v{c.type().id(), c.size(), c.data(), c.null_mask(), nullptr, nullptr, nullptr, 0};
    std::vector<const column_view*> kids;
    switch (c.type().id()) {
      case type_id::string:
        v.offsets = c.child(0).data<offset_type>();
        if (c.is_spans()) v.lengths = c.child(1).data<length_type>();
        break;
      case type_id::list:
        v.offsets = c.child(0).data<offset_type>();
        kids.push_back(&c.child(1));
        break;
      case type_id::struct_:
        for (const column_view& f : c.children()) kids.push_back(&f);
        break;
      default: break;
    }
    v.num_children = static_cast<int>(kids.size());
    views_[slot] = v;
    if (kids.empty()) return;
    const std::size_t first = views_.size();
    child_index_[slot] = static_cast<std::ptrdiff_t>(first);
    views_.resize(first + kids.size());
    child_index_.resize(first + kids.size(), -1);
    for (std::size_t k = 0; k < kids.size(); ++k) place(*kids[k], first + k);
  }

  std::vector<column_device_view> views_;
  std::vector<std::ptrdiff_t> child_index_;
};

}  // namespace

device_columns::device_columns(const std::vector<column_view>& columns, stream_view s, memory_resource* mr) {
  const size_type rows = columns.empty() ? 0 : columns.front().size();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    GPUSTREAM_EXPECTS(columns[i].size() == rows, "device_columns: column " + std::to_string(i) + " has " +
                                                     std::to_string(columns[i].size()) + " rows, column 0 " +
                                                     std::to_string(rows));
    GPUSTREAM_EXPECTS(columns[i].kind() == s.kind(),
                      "device_columns: column " + std::to_string(i) + " is in " +
                          std::string{to_string(columns[i].kind())} + " memory but the stream is " +
                          std::string{to_string(s.kind())});
  }
  layout l{columns};
  device_ = buffer{l.size() * sizeof(column_device_view), s, mr};
  const auto* base = static_cast<const column_device_view*>(device_.data());
  host_ = std::move(l).fix_up(base);
  if (!host_.empty()) copy_bytes(device_.data(), host_.data(), host_.size() * sizeof(column_device_view), s);
  view_ = table_device_view{base, static_cast<int>(columns.size()), rows};
}

}  // namespace gpustream
