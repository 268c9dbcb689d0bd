#include <gpustream/table/records.hpp>

#include <gpustream/core/error.hpp>

namespace gpustream::detail {

void expect_readable_as(const std::string& name, const field& have, const column_view& c, const field& want) {
  GPUSTREAM_EXPECTS(have.type == want.type, "to_records: field '" + name + "' is " + to_string(have.type) +
                                                ", the record's member is " + to_string(want.type));
  GPUSTREAM_EXPECTS(want.nullable || c.null_count() == 0,
                    "to_records: field '" + name + "' holds " + std::to_string(c.null_count()) +
                        " nulls, and the record's member is not a std::optional");
}

}  // namespace gpustream::detail
