#include "graph.hpp"

#include "context_impl.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/column/convert.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/text/filter.hpp>
#include <gpustream/text/split_lines.hpp>
#include <gpustream/text/tokenize.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <system_error>

namespace gpustream::detail {

batch_ptr node::evaluate(batch_run& run) {
  auto it = run.results.find(this);
  if (it != run.results.end()) return it->second;
  batch_ptr result = compute(run);
  run.results.emplace(this, result);
  return result;
}

// ---- moving records between backend and host ----

std::size_t record_count(const host_records& records) noexcept {
  return std::visit([](const auto& v) { return v.size(); }, records);
}

void write_record(std::ostream& os, const host_records& records, std::size_t i) {
  std::visit(
      [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if constexpr (std::is_same_v<T, word_pair>) {
          os << '(' << v[i].first << ',' << v[i].second << ')';
        } else {
          os << v[i];
        }
      },
      records);
}

host_records download(const batch_data& data, stream_view s, size_type limit) {
  const size_type n = limit < 0 ? data.size() : std::min(limit, data.size());
  std::vector<std::int64_t> values;
  if (data.kind != record_kind::strings && n > 0) {
    values.resize(static_cast<std::size_t>(n));
    copy_bytes(values.data(), data.values.data(), values.size() * sizeof(std::int64_t), s);
  }
  std::vector<std::string> strings;
  if (data.kind != record_kind::integers) {
    const string_spans_view all = data.strings;
    const string_spans_view head{all.chars(), all.chars_size(), all.starts(), all.lengths(), n, all.kind()};
    strings = to_host(head, s);  // synchronizes s
  } else {
    s.synchronize();
  }
  switch (data.kind) {
    case record_kind::strings:
      return strings;
    case record_kind::integers:
      return values;
    case record_kind::pairs: {
      std::vector<word_pair> pairs;
      pairs.reserve(strings.size());
      for (std::size_t i = 0; i < strings.size(); ++i) pairs.emplace_back(std::move(strings[i]), values[i]);
      return pairs;
    }
  }
  return strings;
}

namespace {

void strings_batch(const std::vector<std::string>& strings, stream_view s, batch_data& out) {
  const string_column& column = out.own(string_column::from_host(strings, s));
  out.strings = out.own(spans_of(column.view(), s)).view();
}

}  // namespace

batch_ptr upload(host_records&& records, stream_view s) {
  auto out = std::make_shared<batch_data>();
  std::visit(
      [&](auto&& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        const auto n = static_cast<size_type>(v.size());
        if constexpr (std::is_same_v<T, std::string>) {
          out->kind = record_kind::strings;
          strings_batch(std::move(v), s, *out);
        } else if constexpr (std::is_same_v<T, word_pair>) {
          out->kind = record_kind::pairs;
          std::vector<std::string> keys;
          std::vector<std::int64_t> values;
          keys.reserve(v.size());
          values.reserve(v.size());
          for (auto& [k, x] : v) {
            keys.push_back(std::move(k));
            values.push_back(x);
          }
          strings_batch(std::move(keys), s, *out);
          out->values = out->own(column<std::int64_t>::from_host(values.data(), n, s)).view();
        } else {
          out->kind = record_kind::integers;
          out->values = out->own(column<std::int64_t>::from_host(v.data(), n, s)).view();
        }
      },
      records);
  // from_host copies may still read the host vectors: finish before they go.
  s.synchronize();
  return out;
}

void write_batch(byte_writer& w, const batch_ptr& data, stream_view s) {
  w.u8(data ? 1 : 0);
  if (!data) return;
  const host_records h = download(*data, s);
  w.u8(static_cast<std::uint8_t>(data->kind));
  std::visit(
      [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        w.u64(v.size());
        for (const auto& x : v) {
          if constexpr (std::is_same_v<T, std::string>) {
            w.bytes(x);
          } else if constexpr (std::is_same_v<T, word_pair>) {
            w.bytes(x.first);
            w.i64(x.second);
          } else {
            w.i64(x);
          }
        }
      },
      h);
}

batch_ptr read_batch(byte_reader& r, stream_view s) {
  const std::uint8_t present = r.u8();
  if (present > 1) r.fail("a bad batch marker");
  if (present == 0) return nullptr;
  const std::uint8_t kind = r.u8();
  switch (static_cast<record_kind>(kind)) {
    case record_kind::strings: {
      std::vector<std::string> v(r.count(8));
      for (auto& x : v) x = std::string{r.bytes()};
      return upload(host_records{std::move(v)}, s);
    }
    case record_kind::pairs: {
      std::vector<word_pair> v(r.count(16));
      for (auto& x : v) {
        x.first = std::string{r.bytes()};
        x.second = r.i64();
      }
      return upload(host_records{std::move(v)}, s);
    }
    case record_kind::integers: {
      std::vector<std::int64_t> v(r.count(8));
      for (auto& x : v) x = r.i64();
      return upload(host_records{std::move(v)}, s);
    }
  }
  r.fail("an unknown record type " + std::to_string(kind));
}

// ---- nodes ----

namespace {

void expect_kind(const node_ptr& parent, record_kind k, const char* what) {
  GPUSTREAM_EXPECTS(parent->kind() == k, std::string{what} + ": wrong record type");
}

class input_node final : public node {
 public:
  input_node(std::weak_ptr<context_impl> ctx, std::size_t index)
      : node{std::move(ctx), record_kind::strings, {}, node_op::input, index} {}

 protected:
  batch_ptr compute(batch_run& run) override {
    const std::shared_ptr<column<char>>& text = run.inputs->at(input_index());
    auto out = std::make_shared<batch_data>();
    out->kind = record_kind::strings;
    out->owners.push_back(text);
    out->strings = out->own(split_lines(text->view(), run.s)).view();
    return out;
  }
};

/// A node computed from its parent's data by `f`; the parent's buffers stay
/// alive as long as the result (its spans may point into them).
template <class F>
class unary_node final : public node {
 public:
  unary_node(const node_ptr& parent, record_kind kind, F f, node_op op)
      : node{parent->context(), kind, {parent}, op}, f_{std::move(f)} {
    set_slide_ms(parent->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!in) return nullptr;
    auto out = std::make_shared<batch_data>();
    out->kind = kind();
    out->owners.push_back(in);
    f_(*in, *out, run.s);
    return out;
  }

 private:
  F f_;
};

template <class F>
node_ptr make_unary(const node_ptr& parent, record_kind kind, F f, node_op op = node_op::other) {
  return std::make_shared<unary_node<F>>(parent, kind, std::move(f), op);
}

/// reduce_by_key; over input.flat_map(split_words).map(pair_with_one) with sum
/// or count it is the fused word count over the input's raw text (one pass, no
/// token spans): whitespace includes '\n' and '\r', so the tokens of the text
/// are the tokens of its lines.
class reduce_node final : public node {
 public:
  reduce_node(const node_ptr& parent, aggregation agg)
      : node{parent->context(), record_kind::pairs, {parent}}, agg_{agg} {
    set_slide_ms(parent->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    auto out = std::make_shared<batch_data>();
    out->kind = record_kind::pairs;
    const key_value_table* table = nullptr;
    // The table owns its keys and values: the result holds no input buffer,
    // so that windows and state keep compact tables, not batches of text.
    if (const node* input = fused_input()) {
      const std::shared_ptr<column<char>>& text = run.inputs->at(input->input_index());
      table = &out->own(word_count(text->view(), run.s));
    } else {
      batch_ptr in = parent()->evaluate(run);
      if (!in) return nullptr;
      reduce_options options;
      options.agg = agg_;
      table = &out->own(reduce_by_key(in->strings, in->values, options, run.s));
    }
    out->strings = out->own(spans_of(table->keys.view(), run.s)).view();
    out->values = table->values.view();
    return out;
  }

 private:
  const node* fused_input() const {
    if (agg_ != aggregation::sum && agg_ != aggregation::count) return nullptr;
    const node* pairs = parent_node();
    if (pairs == nullptr || pairs->op() != node_op::pair_with_one) return nullptr;
    const node* words = pairs->parent_node();
    if (words == nullptr || words->op() != node_op::split_words) return nullptr;
    const node* input = words->parent_node();
    return input != nullptr && input->op() == node_op::input ? input : nullptr;
  }

  aggregation agg_;
};

class host_node final : public node {
 public:
  host_node(const node_ptr& parent, record_kind kind, host_transform f)
      : node{parent->context(), kind, {parent}}, f_{std::move(f)} {
    set_slide_ms(parent->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!in) return nullptr;
    host_records out = f_(download(*in, run.s));
    return upload(std::move(out), run.s);
  }

 private:
  host_transform f_;
};

}  // namespace

std::shared_ptr<context_impl> building(const node_ptr& parent, const std::string& what) {
  GPUSTREAM_EXPECTS(parent != nullptr, what + ": an empty dstream");
  auto ctx = parent->context().lock();
  GPUSTREAM_EXPECTS(ctx != nullptr, what + ": the dstream's streaming_context is gone");
  ctx->expect_building(what.c_str());
  return ctx;
}

node_ptr make_input_node(std::weak_ptr<context_impl> ctx, std::size_t index) {
  return std::make_shared<input_node>(std::move(ctx), index);
}

node_ptr make_split_words(const node_ptr& parent) {
  auto ctx = building(parent, "flat_map(split_words)");
  expect_kind(parent, record_kind::strings, "flat_map(split_words)");
  return make_unary(parent, record_kind::strings, [](const batch_data& in, batch_data& out, stream_view s) {
    out.strings = out.own(tokenize(in.strings, s)).view();
  }, node_op::split_words);
}

node_ptr make_pair_with_one(const node_ptr& parent) {
  auto ctx = building(parent, "map(pair_with_one)");
  expect_kind(parent, record_kind::strings, "map(pair_with_one)");
  return make_unary(parent, record_kind::pairs, [](const batch_data& in, batch_data& out, stream_view s) {
    out.strings = in.strings;
    out.values = out.own(constant_column(in.strings.size(), 1, s)).view();
  }, node_op::pair_with_one);
}

node_ptr make_filter_contains(const node_ptr& parent, std::string needle) {
  auto ctx = building(parent, "filter(contains)");
  expect_kind(parent, record_kind::strings, "filter(contains)");
  return make_unary(parent, record_kind::strings,
                    [needle = std::move(needle)](const batch_data& in, batch_data& out, stream_view s) {
                      out.strings = out.own(filter_containing(in.strings, needle, s)).view();
                    });
}

node_ptr make_reduce_by_key(const node_ptr& parent, aggregation agg) {
  auto ctx = building(parent, "reduce_by_key");
  expect_kind(parent, record_kind::pairs, "reduce_by_key");
  return std::make_shared<reduce_node>(parent, agg);
}

node_ptr make_count(const node_ptr& parent) {
  auto ctx = building(parent, "count");
  return make_unary(parent, record_kind::integers, [](const batch_data& in, batch_data& out, stream_view s) {
    out.values = out.own(constant_column(1, in.size(), s)).view();
  });
}

node_ptr make_host_node(const node_ptr& parent, record_kind out, std::string name, host_transform f) {
  auto ctx = building(parent, name.c_str());
  GPUSTREAM_EXPECTS(f != nullptr, name + ": an empty function");
  return std::make_shared<host_node>(parent, out, std::move(f));
}

// ---- output operations ----

namespace {

class print_op final : public output_op {
 public:
  print_op(node_ptr parent, std::size_t n) : parent_{std::move(parent)}, n_{n} {}
  void run(batch_run& run) override {
    batch_ptr data = parent_->evaluate(run);
    if (!data) return;
    // Spark's pprint takes n + 1 records: the extra one decides the "...".
    const auto take = static_cast<size_type>(std::min<std::size_t>(n_ + 1, static_cast<std::size_t>(INT64_MAX)));
    const host_records head = download(*data, run.s, take);
    std::ostringstream text;
    text << "-------------------------------------------\n"
         << "Time: " << run.time << " ms\n"
         << "-------------------------------------------\n";
    const std::size_t count = record_count(head);
    for (std::size_t i = 0; i < std::min(count, n_); ++i) {
      write_record(text, head, i);
      text << '\n';
    }
    if (count > n_) text << "...\n";
    text << '\n';
    *run.out << text.str() << std::flush;
  }

 private:
  node_ptr parent_;
  std::size_t n_;
};

[[noreturn]] void io_failure(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error{"save_as_text_files: cannot " + what + " " + path.string() + ": " +
                           std::strerror(errno)};
}

class save_op final : public output_op {
 public:
  save_op(node_ptr parent, std::string prefix, std::string suffix)
      : parent_{std::move(parent)}, prefix_{std::move(prefix)}, suffix_{std::move(suffix)} {}
  void roll_back_after(batch_time t) override {
    namespace fs = std::filesystem;
    const fs::path prefix{prefix_};
    const fs::path dir = prefix.has_parent_path() ? prefix.parent_path() : fs::path{"."};
    const std::string stem = prefix.filename().string() + "-";
    const std::string tail = suffix_.empty() ? std::string{} : "." + suffix_;
    std::vector<fs::path> later;
    std::error_code ec;
    for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      const std::string temporary = "._temporary";
      if (name.size() > temporary.size() && name.compare(name.size() - temporary.size(), temporary.size(), temporary) == 0) {
        name.resize(name.size() - temporary.size());
      }
      if (name.compare(0, stem.size(), stem) != 0 || name.size() < stem.size() + tail.size()) continue;
      if (name.compare(name.size() - tail.size(), tail.size(), tail) != 0) continue;
      const std::string digits = name.substr(stem.size(), name.size() - stem.size() - tail.size());
      if (digits.empty() || digits.size() > 18 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      if (std::stoll(digits) > t) later.push_back(it->path());
    }
    for (const auto& path : later) {
      std::error_code rm;
      fs::remove_all(path, rm);
      if (rm) {
        throw std::runtime_error{"save_as_text_files: cannot remove " + path.string() +
                                 " (output of a batch after the checkpoint): " + rm.message()};
      }
    }
  }

  void run(batch_run& run) override {
    namespace fs = std::filesystem;
    const batch_ptr data = parent_->evaluate(run);
    if (!data) return;
    const host_records records = download(*data, run.s);
    std::string name = prefix_ + "-" + std::to_string(run.time);
    if (!suffix_.empty()) name += "." + suffix_;
    const fs::path final_dir{name};
    const fs::path temp_dir{name + "._temporary"};
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
    if (!fs::create_directories(temp_dir, ec) && ec) {
      throw std::runtime_error{"save_as_text_files: cannot create " + temp_dir.string() + ": " + ec.message()};
    }
    {
      std::ofstream part{temp_dir / "part-00000", std::ios::binary};
      if (!part) io_failure("create", temp_dir / "part-00000");
      const std::size_t n = record_count(records);
      for (std::size_t i = 0; i < n; ++i) {
        write_record(part, records, i);
        part << '\n';
      }
      part.flush();
      if (!part) io_failure("write", temp_dir / "part-00000");
    }
    {
      std::ofstream success{temp_dir / "_SUCCESS", std::ios::binary};
      if (!success) io_failure("create", temp_dir / "_SUCCESS");
    }
    // A batch run again replaces its directory.
    fs::remove_all(final_dir, ec);
    fs::rename(temp_dir, final_dir, ec);
    if (ec) {
      throw std::runtime_error{"save_as_text_files: cannot rename " + temp_dir.string() + " to " +
                               final_dir.string() + ": " + ec.message()};
    }
  }

 private:
  node_ptr parent_;
  std::string prefix_;
  std::string suffix_;
};

class foreach_op final : public output_op {
 public:
  foreach_op(node_ptr parent, host_sink f) : parent_{std::move(parent)}, f_{std::move(f)} {}
  void run(batch_run& run) override {
    const batch_ptr data = parent_->evaluate(run);
    if (data) f_(download(*data, run.s), run.time);
  }

 private:
  node_ptr parent_;
  host_sink f_;
};

}  // namespace

void add_print(const node_ptr& parent, std::size_t n) {
  auto ctx = building(parent, "print");
  ctx->add_output(std::make_unique<print_op>(parent, n));
}

void add_save_as_text_files(const node_ptr& parent, std::string prefix, std::string suffix) {
  auto ctx = building(parent, "save_as_text_files");
  GPUSTREAM_EXPECTS(!prefix.empty(), "save_as_text_files: an empty prefix");
  ctx->add_output(std::make_unique<save_op>(parent, std::move(prefix), std::move(suffix)));
}

void add_foreach_batch(const node_ptr& parent, host_sink f) {
  auto ctx = building(parent, "foreach_batch");
  GPUSTREAM_EXPECTS(f != nullptr, "foreach_batch: an empty function");
  ctx->add_output(std::make_unique<foreach_op>(parent, std::move(f)));
}

}  // namespace gpustream::detail
