// Must not compile: a member of a type that is no field type.
#include <gpustream/table/record.hpp>

struct bad {
  std::int64_t id;
  const char* name;  // not a field type: std::string is
};
GPUSTREAM_RECORD(bad, id, name)

int main() { return static_cast<int>(gpustream::schema_of<bad>().size()); }
