#pragma once

#include <functional>
#include <thread>

namespace gpustream::detail {

/// SIGINT and SIGTERM as a request to stop (streaming_options::stop_on_signals).
///
/// While at least one watch lives, the process's handlers for both signals
/// are gpustream's (the previous ones come back when the last watch ends); a
/// SIGINT ignored when the first watch begins (a background job of a shell)
/// stays ignored. The first signal wakes every watch, which calls its
/// `on_signal` once, on a thread of its own; a second one ends the process at
/// once with status 128 + the signal, as a shell reports a killed program.
/// The handler only counts the signal and writes to a pipe, which is safe in
/// a handler; the rest runs on the watch's thread. Noncopyable.
class signal_watch {
 public:
  /// Installs the handlers (for the first watch) and starts the thread.
  /// Throws std::system_error when the pipe or the handlers cannot be set up.
  explicit signal_watch(std::function<void(int signal)> on_signal);
  /// Ends the thread (waiting for an on_signal call in progress) and, for the
  /// last watch, restores the previous handlers. Must not run on the watch's
  /// own thread, that is, from on_signal.
  ~signal_watch();
  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;

 private:
  void run();

  std::function<void(int)> on_signal_;
  int quit_[2] = {-1, -1};  // a pipe: written once by the destructor
  std::thread thread_;
};

}  // namespace gpustream::detail
