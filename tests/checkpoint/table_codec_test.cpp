// Tables in checkpoints: random tables of every type written and read back
// on each backend, through a real checkpoint file; another schema, a
// truncated table and a damaged one refused naming the file.

#include "../common/host_columns.hpp"
#include "../common/test_utils.hpp"

#include "checkpoint/table_codec.hpp"

#include <gpustream/core/error.hpp>
#include <gpustream/table/host_column.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

namespace gpustream::test {
namespace {

namespace fs = std::filesystem;

class table_codec_test : public backend_test {
 protected:
  void SetUp() override {
    backend_test::SetUp();
    dir_ = fs::temp_directory_path() / ("gpustream_table_codec_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(seed_ % 100000));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_P(table_codec_test, random_tables_come_back_from_a_checkpoint_file) {
  auto rng = this->rng();
  for (int round = 0; round < 20; ++round) {
    const size_type rows = round == 0 ? 0 : std::uniform_int_distribution<size_type>{1, 700}(rng);
    const host_table want = random_table(rng, rows);
    const table t = to_table(want, s());
    detail::byte_writer w;
    w.u32(7);
    detail::write_table(w, t.view(), s());
    w.u32(9);
    const fs::path file = dir_ / "checkpoint-1";
    detail::write_segments(file, detail::file_kind::checkpoint, {{w.str().data(), w.str().size()}});
    const std::vector<std::string> segments = detail::read_segments(file, detail::file_kind::checkpoint);
    ASSERT_EQ(segments.size(), 1u);
    detail::byte_reader r{segments[0], file.string()};
    EXPECT_EQ(r.u32(), 7u);
    const table back = detail::read_table(r, want.fields, s());
    EXPECT_EQ(r.u32(), 9u);
    EXPECT_TRUE(r.done());
    EXPECT_EQ(back.num_rows(), rows);
    const host_table got = to_host(back.view(), s());
    for (std::size_t k = 0; k < want.columns.size(); ++k) {
      expect_same_rows(got.columns[k], want.columns[k], to_string(want.fields) + " " + seed_trace());
    }
  }
}

TEST_P(table_codec_test, another_schema_or_damaged_data_is_refused_naming_the_file) {
  auto rng = this->rng();
  const host_table want = random_table(rng, 50);
  detail::byte_writer w;
  detail::write_table(w, to_table(want, s()).view(), s());
  const std::string data = w.str();

  const schema other{{field{"count", data_type{type_id::int64}, false}}};
  try {
    detail::byte_reader r{data, "ckpt/checkpoint-40"};
    (void)detail::read_table(r, other, s());
    FAIL() << "another schema was read";
  } catch (const checkpoint_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("ckpt/checkpoint-40: its records are " + to_string(want.fields) +
                     " but the graph's are count:int64!"),
              std::string::npos)
        << m;
  }
  for (std::size_t cut : {data.size() / 3, data.size() - 1}) {
    detail::byte_reader r{std::string_view{data}.substr(0, cut), "ckpt/checkpoint-41"};
    try {
      (void)detail::read_table(r, want.fields, s());
      FAIL() << "a table cut at " << cut << " of " << data.size() << " bytes was read";
    } catch (const checkpoint_error& e) {
      EXPECT_NE(std::string{e.what()}.find("ckpt/checkpoint-41: corrupt or truncated"), std::string::npos) << e.what();
    }
  }
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(table_codec_test);

}  // namespace
}  // namespace gpustream::test
