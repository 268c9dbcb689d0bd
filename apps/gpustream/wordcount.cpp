#include "wordcount.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gpustream::app {

int run_wordcount(const wordcount_options& o) {

  streaming_options so = context_options(o);
  so.word_count_algorithm = o.algorithm;
  streaming_context ctx{so};
  const dstream<word_pair> counts =
      open_source(ctx, o).flat_map(split_words).map(pair_with_one).reduce_by_key();

  switch (o.output.type) {
    case output_spec::kind::print:
    case output_spec::kind::lines:  // grep's; wordcount's --output does not take it
      counts.print(o.top);
      break;
    case output_spec::kind::text:
      counts.save_as_text_files(o.output.target);
      break;
    case output_spec::kind::json:
      write_json_lines(counts, o.output.target, ctx, [](std::string& text, const word_pair& r, batch_time t) {
        text += "{\"time\":" + std::to_string(t) + ",\"word\":\"";
        append_json_string(text, r.first);
        text += "\",\"count\":" + std::to_string(r.second) + "}\n";
      });
      break;
  }
  run_command("gpustream wordcount", ctx, o);
  return 0;
}

}  // namespace gpustream::app
