// Nodes of pair streams that bring the records of each key together: the
// joins, group_by_key and cogroup. The matching runs on the backend (see
// include/gpustream/join/join.hpp); each result owns its columns.

#include "context_impl.hpp"
#include "graph.hpp"

#include <gpustream/column/convert.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/join/join.hpp>

#include <string>
#include <type_traits>

namespace gpustream::detail {
namespace {

/// What a keyed node computes.
enum class keyed_op { join, group, cogroup };

/// The operation, join type and input kinds of each result record kind.
struct keyed_kind {
  record_kind kind;
  record_kind left;
  record_kind right;
  keyed_op op;
  join_type type;
};
constexpr record_kind P = record_kind::pairs;
constexpr record_kind D = record_kind::keyed_doubles;
constexpr record_kind I = record_kind::int_pairs;
constexpr keyed_kind keyed_kinds[] = {
    {record_kind::joined, P, P, keyed_op::join, join_type::inner},
    {record_kind::left_joined, P, P, keyed_op::join, join_type::left_outer},
    {record_kind::right_joined, P, P, keyed_op::join, join_type::right_outer},
    {record_kind::outer_joined, P, P, keyed_op::join, join_type::full_outer},
    {record_kind::grouped, P, P, keyed_op::group, join_type::inner},
    {record_kind::cogrouped, P, P, keyed_op::cogroup, join_type::inner},
    {record_kind::double_joined, D, D, keyed_op::join, join_type::inner},
    {record_kind::double_left_joined, D, D, keyed_op::join, join_type::left_outer},
    {record_kind::double_right_joined, D, D, keyed_op::join, join_type::right_outer},
    {record_kind::double_outer_joined, D, D, keyed_op::join, join_type::full_outer},
    {record_kind::double_grouped, D, D, keyed_op::group, join_type::inner},
    {record_kind::double_cogrouped, D, D, keyed_op::cogroup, join_type::inner},
    {record_kind::int_joined, I, I, keyed_op::join, join_type::inner},
    {record_kind::int_left_joined, I, I, keyed_op::join, join_type::left_outer},
    {record_kind::int_right_joined, I, I, keyed_op::join, join_type::right_outer},
    {record_kind::int_outer_joined, I, I, keyed_op::join, join_type::full_outer},
    {record_kind::int_grouped, I, I, keyed_op::group, join_type::inner},
    {record_kind::int_cogrouped, I, I, keyed_op::cogroup, join_type::inner},
    {record_kind::int_double_joined, P, D, keyed_op::join, join_type::inner},
    {record_kind::int_double_left_joined, P, D, keyed_op::join, join_type::left_outer},
    {record_kind::int_double_right_joined, P, D, keyed_op::join, join_type::right_outer},
    {record_kind::int_double_outer_joined, P, D, keyed_op::join, join_type::full_outer},
    {record_kind::int_double_cogrouped, P, D, keyed_op::cogroup, join_type::inner},
    {record_kind::double_int_joined, D, P, keyed_op::join, join_type::inner},
    {record_kind::double_int_left_joined, D, P, keyed_op::join, join_type::left_outer},
    {record_kind::double_int_right_joined, D, P, keyed_op::join, join_type::right_outer},
    {record_kind::double_int_outer_joined, D, P, keyed_op::join, join_type::full_outer},
    {record_kind::double_int_cogrouped, D, P, keyed_op::cogroup, join_type::inner},
};

const keyed_kind* find_keyed(record_kind kind) {
  for (const keyed_kind& k : keyed_kinds) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

/// The result of `op` over `left` and `right` pairs, or null where there is none.
const keyed_kind* find_keyed(record_kind left, record_kind right, keyed_op op, join_type type) {
  for (const keyed_kind& k : keyed_kinds) {
    if (k.left == left && k.right == right && k.op == op && k.type == type) return &k;
  }
  return nullptr;
}

void set_keys(batch_data& out, const string_column& keys, stream_view s) {
  out.strings = out.own(spans_of(keys.view(), s)).view();
}
void set_keys(batch_data& out, const array<std::int64_t>& keys, stream_view) {
  out.int_keys = keys.view();
  out.strings = out.own(string_spans{}).view();
}

void set_values(batch_data& out, const array<std::int64_t>& values, bool right) {
  (right ? out.right_values : out.values) = values.view();
}
void set_values(batch_data& out, const array<double>& values, bool right) {
  (right ? out.right_doubles : out.doubles) = values.view();
}

/// One node for the three operations, by its record kind: group_by_key of
/// its one parent, cogroup or a join of its two.
class keyed_node final : public node {
 public:
  keyed_node(std::vector<node_ptr> parents, const keyed_kind& what)
      : node{parents.front()->context(), what.kind, parents}, what_{what} {
    set_slide_ms(parents.front()->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    const batch_ptr left = parent(0)->evaluate(run);
    // Both parents slide alike: both have data at a batch time, or neither.
    const batch_ptr right = what_.op == keyed_op::group ? left : parent(1)->evaluate(run);
    if (!left || !right) return nullptr;
    auto out = std::make_shared<batch_data>();
    out->kind = kind();
    if (what_.left == I) {
      run_op(left->int_keys, left->values, right->int_keys, right->values, run.s, *out);
    } else if (what_.left == D && what_.right == D) {
      run_op(left->strings, left->doubles, right->strings, right->doubles, run.s, *out);
    } else if (what_.left == D) {
      run_op(left->strings, left->doubles, right->strings, right->values, run.s, *out);
    } else if (what_.right == D) {
      run_op(left->strings, left->values, right->strings, right->doubles, run.s, *out);
    } else {
      run_op(left->strings, left->values, right->strings, right->values, run.s, *out);
    }
    return out;
  }

 private:
  template <class Keys, class V, class W>
  void run_op(Keys left_keys, array_view<V> left_values, Keys right_keys, array_view<W> right_values,
              stream_view s, batch_data& out) const {
    if constexpr (std::is_same_v<V, W>) {
      if (what_.op == keyed_op::group) {
        const auto& t = out.own(group_by_key(left_keys, left_values, hash_function::mix64, s));
        set_keys(out, t.keys, s);
        set_values(out, t.values.values, false);
        out.offsets = t.values.offsets.view();
        return;
      }
    }
    if (what_.op == keyed_op::cogroup) {
      const auto& t =
          out.own(cogroup(left_keys, left_values, right_keys, right_values, hash_function::mix64, s));
      set_keys(out, t.keys, s);
      set_values(out, t.left.values, false);
      out.offsets = t.left.offsets.view();
      set_values(out, t.right.values, true);
      out.right_offsets = t.right.offsets.view();
    } else {
      join_options options;
      options.type = what_.type;
      const auto& t = out.own(join(left_keys, left_values, right_keys, right_values, options, s));
      set_keys(out, t.keys, s);
      set_values(out, t.left_values, false);
      set_values(out, t.right_values, true);
      out.sides = t.sides.view();
    }
  }

  keyed_kind what_;
};

bool is_pair_kind(record_kind k) { return k == P || k == D || k == I; }

node_ptr make_keyed(const node_ptr& left, const node_ptr& right, keyed_op op, join_type type,
                    const std::string& what) {
  auto ctx = building(left, what);
  expect_alike(ctx, left, right, what);
  const keyed_kind* k = find_keyed(left->kind(), right->kind(), op, type);
  GPUSTREAM_EXPECTS(k != nullptr, what + ": needs two dstreams of pairs with keys of one type (word_pair, "
                                         "keyed_double or int_pair, or word_pair with keyed_double)");
  return std::make_shared<keyed_node>(std::vector<node_ptr>{left, right}, *k);
}

}  // namespace

node_ptr make_join(const node_ptr& left, const node_ptr& right, record_kind out) {
  const keyed_kind* k = find_keyed(out);
  if (k == nullptr || k->op != keyed_op::join) throw logic_error{"make_join: not the record type of a join"};
  static const char* const names[] = {"join", "left_outer_join", "right_outer_join", "full_outer_join"};
  node_ptr n = make_keyed(left, right, keyed_op::join, k->type, names[static_cast<int>(k->type)]);
  GPUSTREAM_EXPECTS(n->kind() == out, std::string{names[static_cast<int>(k->type)]} +
                                          ": the records asked for are not those of the dstreams' pair type");
  return n;
}

node_ptr make_group_by_key(const node_ptr& parent) {
  auto ctx = building(parent, "group_by_key");
  GPUSTREAM_EXPECTS(is_pair_kind(parent->kind()),
                    "group_by_key: needs a dstream of pairs (word_pair, keyed_double or int_pair)");
  const keyed_kind* k = find_keyed(parent->kind(), parent->kind(), keyed_op::group, join_type::inner);
  return std::make_shared<keyed_node>(std::vector<node_ptr>{parent}, *k);
}

node_ptr make_cogroup(const node_ptr& left, const node_ptr& right) {
  return make_keyed(left, right, keyed_op::cogroup, join_type::inner, "cogroup");
}

}  // namespace gpustream::detail
