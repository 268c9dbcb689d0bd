#include "join/join_spec.hpp"
#include "detail/row_keys.hpp"

#include <gpustream/core/error.hpp>

#include <algorithm>
#include <set>

namespace gpustream::detail {

join_spec make_join_spec(const schema& left, const schema& right, const std::vector<std::string>& left_keys,
                         const std::vector<std::string>& right_keys, join_type type) {
  GPUSTREAM_EXPECTS(!left_keys.empty(), "join: no key fields");
  GPUSTREAM_EXPECTS(left_keys.size() == right_keys.size(), "join: " + std::to_string(left_keys.size()) +
                                                               " key fields on the left, " +
                                                               std::to_string(right_keys.size()) + " on the right");
  join_spec spec;
  spec.type = type;
  const bool left_may_miss = type == join_type::right_outer || type == join_type::full_outer;
  const bool right_may_miss = type == join_type::left_outer || type == join_type::full_outer;
  std::vector<field> out;
  std::set<std::string> names;
  auto add = [&](field f) {
    GPUSTREAM_EXPECTS(names.insert(f.name).second, "join: both sides have a field '" + f.name +
                                                       "': select or rename it on one side");
    out.push_back(std::move(f));
  };
  for (std::size_t k = 0; k < left_keys.size(); ++k) {
    const std::size_t l = left.index_of(left_keys[k]);
    const std::size_t r = right.index_of(right_keys[k]);
    const field& lf = left[l];
    const field& rf = right[r];
    expect_key_field("join", lf);
    GPUSTREAM_EXPECTS(lf.type == rf.type, "join: key field '" + lf.name + "' is " + to_string(lf.type) +
                                              " on the left, '" + rf.name + "' " + to_string(rf.type) +
                                              " on the right");
    spec.left_keys.push_back(l);
    spec.right_keys.push_back(r);
    add(field{lf.name, lf.type, lf.nullable || rf.nullable});
  }
  for (std::size_t i = 0; i < left.size(); ++i) {
    if (std::find(spec.left_keys.begin(), spec.left_keys.end(), i) != spec.left_keys.end()) continue;
    spec.left_values.push_back(i);
    add(field{left[i].name, left[i].type, left[i].nullable || left_may_miss});
  }
  for (std::size_t i = 0; i < right.size(); ++i) {
    if (std::find(spec.right_keys.begin(), spec.right_keys.end(), i) != spec.right_keys.end()) continue;
    spec.right_values.push_back(i);
    add(field{right[i].name, right[i].type, right[i].nullable || right_may_miss});
  }
  spec.output = schema{std::move(out)};
  return spec;
}

}  // namespace gpustream::detail
