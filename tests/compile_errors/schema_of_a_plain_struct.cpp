// Must not compile: schema_of a struct not declared with GPUSTREAM_RECORD.
#include <gpustream/table/record.hpp>

struct undeclared {
  std::int64_t id;
};

int main() { return static_cast<int>(gpustream::schema_of<undeclared>().size()); }
