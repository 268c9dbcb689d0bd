// Nodes of pair streams that bring the records of each key together: the
// joins, group_by_key and cogroup. The matching runs on the backend (see
// include/gpustream/join/join.hpp); each result owns its columns.

#include "context_impl.hpp"
#include "graph.hpp"

#include <gpustream/column/convert.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/join/join.hpp>

#include <string>

namespace gpustream::detail {
namespace {

join_type join_type_of(record_kind k) {
  switch (k) {
    case record_kind::left_joined: return join_type::left_outer;
    case record_kind::right_joined: return join_type::right_outer;
    case record_kind::outer_joined: return join_type::full_outer;
    default: return join_type::inner;
  }
}

/// One node for the three operations, by its record kind: group_by_key of
/// its one parent, cogroup or a join of its two.
class keyed_node final : public node {
 public:
  keyed_node(std::vector<node_ptr> parents, record_kind kind)
      : node{parents.front()->context(), kind, parents} {
    set_slide_ms(parents.front()->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    const batch_ptr left = parent(0)->evaluate(run);
    // Both parents slide alike: both have data at a batch time, or neither.
    const batch_ptr right = kind() == record_kind::grouped ? left : parent(1)->evaluate(run);
    if (!left || !right) return nullptr;
    auto out = std::make_shared<batch_data>();
    out->kind = kind();
    const string_column* keys = nullptr;
    if (kind() == record_kind::grouped) {
      const grouped_table& t = out->own(group_by_key(left->strings, left->values, hash_function::mix64, run.s));
      keys = &t.keys;
      out->values = t.values.values.view();
      out->offsets = t.values.offsets.view();
    } else if (kind() == record_kind::cogrouped) {
      const cogrouped_table& t = out->own(
          cogroup(left->strings, left->values, right->strings, right->values, hash_function::mix64, run.s));
      keys = &t.keys;
      out->values = t.left.values.view();
      out->offsets = t.left.offsets.view();
      out->right_values = t.right.values.view();
      out->right_offsets = t.right.offsets.view();
    } else {
      join_options options;
      options.type = join_type_of(kind());
      const joined_table& t =
          out->own(join(left->strings, left->values, right->strings, right->values, options, run.s));
      keys = &t.keys;
      out->values = t.left_values.view();
      out->right_values = t.right_values.view();
      out->sides = t.sides.view();
    }
    out->strings = out->own(spans_of(keys->view(), run.s)).view();
    return out;
  }
};

node_ptr make_keyed(const node_ptr& left, const node_ptr& right, record_kind out, const std::string& what) {
  auto ctx = building(left, what);
  expect_alike(ctx, left, right, what);
  GPUSTREAM_EXPECTS(left->kind() == record_kind::pairs && right->kind() == record_kind::pairs,
                    what + ": needs two dstreams of pairs");
  return std::make_shared<keyed_node>(std::vector<node_ptr>{left, right}, out);
}

}  // namespace

node_ptr make_join(const node_ptr& left, const node_ptr& right, record_kind out) {
  switch (out) {
    case record_kind::joined: return make_keyed(left, right, out, "join");
    case record_kind::left_joined: return make_keyed(left, right, out, "left_outer_join");
    case record_kind::right_joined: return make_keyed(left, right, out, "right_outer_join");
    case record_kind::outer_joined: return make_keyed(left, right, out, "full_outer_join");
    default: break;
  }
  throw logic_error{"make_join: not the record type of a join"};
}

node_ptr make_group_by_key(const node_ptr& parent) {
  auto ctx = building(parent, "group_by_key");
  GPUSTREAM_EXPECTS(parent->kind() == record_kind::pairs, "group_by_key: needs a dstream of pairs");
  return std::make_shared<keyed_node>(std::vector<node_ptr>{parent}, record_kind::grouped);
}

node_ptr make_cogroup(const node_ptr& left, const node_ptr& right) {
  return make_keyed(left, right, record_kind::cogrouped, "cogroup");
}

}  // namespace gpustream::detail
