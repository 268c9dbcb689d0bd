#include "aggregate/group_by_spec.hpp"
#include "detail/row_keys.hpp"

#include <gpustream/core/error.hpp>

#include <set>
#include <string>

namespace gpustream {

std::string agg::written() const {
  switch (op) {
    case kind::count_rows: return "count";
    case kind::count: return "count(" + field + ")";
    case kind::sum: return "sum(" + field + ")";
    case kind::min: return "min(" + field + ")";
    case kind::max: return "max(" + field + ")";
    case kind::mean: return "mean(" + field + ")";
  }
  return "?";
}

namespace detail {
group_by_spec make_group_by_spec(const schema& input, const std::vector<std::string>& keys,
                                 const std::vector<agg>& aggs) {
  group_by_spec spec;
  std::vector<field> out;
  std::set<std::string> names;
  auto add = [&](field f) {
    GPUSTREAM_EXPECTS(names.insert(f.name).second, "group_by: two outputs are named '" + f.name +
                                                       "': name one with agg::as");
    out.push_back(std::move(f));
  };
  for (const std::string& k : keys) {
    const std::size_t i = input.index_of(k);
    const field& f = input[i];
    expect_key_field("group_by", f);
    spec.keys.push_back(i);
    add(f);
  }
  for (const agg& a : aggs) {
    aggregate_spec as{a.op, -1, field{a.output_name(), data_type{type_id::int64}, false}};
    GPUSTREAM_EXPECTS(!as.output.name.empty(), "group_by: an output has an empty name");
    if (a.op == agg::kind::count_rows) {
      GPUSTREAM_EXPECTS(a.field.empty(), "group_by: count takes no field; count(f) is agg::count(\"" +
                                             a.field + "\")");
    } else {
      const std::size_t i = input.index_of(a.field);
      as.input = static_cast<std::ptrdiff_t>(i);
      const field& f = input[i];
      const data_type& t = f.type;
      // A group has rows, so an aggregate of a field that is never null is
      // never null, except for the one group of no keys over no rows.
      const bool nullable = f.nullable || keys.empty();
      switch (a.op) {
        case agg::kind::count: break;
        case agg::kind::sum:
          GPUSTREAM_EXPECTS(t.is_numeric(), "group_by: " + a.written() + ": field '" + a.field + "' is " +
                                                to_string(t) + "; sum takes int32, int64 and float64");
          as.output.type = data_type{t.id() == type_id::float64 ? type_id::float64 : type_id::int64};
          as.output.nullable = nullable;
          break;
        case agg::kind::mean:
          GPUSTREAM_EXPECTS(t.is_numeric(), "group_by: " + a.written() + ": field '" + a.field + "' is " +
                                                to_string(t) + "; mean takes int32, int64 and float64");
          as.output.type = data_type{type_id::float64};
          as.output.nullable = nullable;
          break;
        case agg::kind::min:
        case agg::kind::max:
          GPUSTREAM_EXPECTS(t.is_numeric() || t.is_timestamp(),
                            "group_by: " + a.written() + ": field '" + a.field + "' is " + to_string(t) + "; " +
                                (a.op == agg::kind::min ? "min" : "max") +
                                " takes int32, int64, float64 and timestamps");
          as.output.type = t;
          as.output.nullable = nullable;
          break;
        case agg::kind::count_rows: break;
      }
    }
    add(as.output);
    spec.aggregates.push_back(std::move(as));
  }
  spec.output = schema{std::move(out)};
  return spec;
}

}  // namespace detail
}  // namespace gpustream
