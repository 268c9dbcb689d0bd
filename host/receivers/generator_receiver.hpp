#pragma once

#include "receiver.hpp"

#include <gpustream/sources/text_generator.hpp>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace gpustream::detail {

struct generator_receiver_options {
  text_generator_options text{};
  std::uint64_t bytes_per_second = 0;  // 0: as fast as the pool allows
  std::uint64_t total_bytes = 0;       // 0: no end
  bool replay = false;                 // fill each pool block once, then resend it as it is
  std::size_t replay_generated_bytes = std::size_t{512} << 20;  // replay: fresh text; later blocks copy it
};

/// Synthetic lines (text_generator) written straight into pool blocks by one
/// thread, at a steady rate or as fast as the pool frees blocks. seal() pushes
/// the block being filled, so that each batch gets what was generated during
/// its interval.
class generator_receiver final : public receiver {
 public:
  explicit generator_receiver(generator_receiver_options options);
  ~generator_receiver() override;
  generator_receiver(const generator_receiver&) = delete;
  generator_receiver& operator=(const generator_receiver&) = delete;

  std::string name() const override;
  void start(receiver_env env) override;
  void seal() override;
  void stop() override;
  bool exhausted() const override;

 private:
  void run();
  void push_locked();

  generator_receiver_options options_;
  text_generator generator_;
  receiver_env env_;

  mutable std::mutex mutex_;  // the block being filled, and the flags
  std::condition_variable wake_;
  sealed_block current_;
  std::uint64_t generated_ = 0;
  struct filled {
    std::size_t bytes = 0;
    std::uint64_t records = 0;
  };
  std::unordered_map<const char*, filled> replayable_;  // replay: blocks filled once
  bool started_ = false;
  bool stopping_ = false;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace gpustream::detail
