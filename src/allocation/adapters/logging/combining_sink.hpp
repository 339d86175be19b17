#pragma once

#include <spdlog/sinks/sink.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace allocation::adapters::logging {

// A sink that writes lines to a file descriptor the way a group commit writes transactions:
// each thread formats its line by itself, appends it to the pending bytes under a lock held for
// a copy, and the first thread to find nobody writing writes everything pending, its own line
// and those of the threads that came meanwhile, in one write(); the others return at once.
//
// spdlog's own sinks hold one lock while they format and write each line; under load, 16
// request threads queued on it for every request and stock-change line, and the hand-offs cost
// more than the lines (docs/performance.md). An async logger would format on its own thread,
// where this thread's request id is not (log_fields.hpp), and lose what it had queued on a
// crash: here nothing waits in a queue; a line is written by the call that logged it, or by the
// thread whose write() is under way at that moment.
class CombiningSink final : public spdlog::sinks::sink {
 public:
  CombiningSink(int fd, std::unique_ptr<spdlog::formatter> formatter);

  void log(const spdlog::details::log_msg& msg) override;
  // Returns once every line logged before it is written.
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  // Writes what is pending until nothing is; called holding `lock`, with writing_ set.
  void write_pending(std::unique_lock<std::mutex>& lock);

  const int fd_;
  std::mutex mutex_;
  std::condition_variable written_;
  std::unique_ptr<spdlog::formatter> formatter_;  // each thread formats with its own clone
  std::atomic<std::uint64_t> formatter_version_;  // which clone is current
  std::string pending_;
  bool writing_ = false;
};

}  // namespace allocation::adapters::logging
