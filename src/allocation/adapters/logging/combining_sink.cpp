#include "allocation/adapters/logging/combining_sink.hpp"

#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <cerrno>

namespace allocation::adapters::logging {

namespace {

// Distinct for every formatter any sink is given, so that a thread's clone is never taken for
// another sink's, even one at the same address.
std::atomic<std::uint64_t> next_formatter_version{1};

// A thread's formatter and line buffer: formatters cache (the time's text) and are not
// thread-safe, so each thread formats with a clone of the sink's.
struct ThreadFormatter {
  std::uint64_t version = 0;
  std::unique_ptr<spdlog::formatter> formatter;
  spdlog::memory_buf_t line;
};
thread_local ThreadFormatter thread_formatter;

// Writes all of `bytes`; what cannot be written (a closed stderr) is dropped: a log must not
// stop the service.
void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

CombiningSink::CombiningSink(int fd, std::unique_ptr<spdlog::formatter> formatter)
    : fd_(fd), formatter_(std::move(formatter)), formatter_version_(next_formatter_version++) {}

void CombiningSink::log(const spdlog::details::log_msg& msg) {
  ThreadFormatter& mine = thread_formatter;
  if (mine.version != formatter_version_.load(std::memory_order_acquire)) {
    std::lock_guard lock(mutex_);
    mine.formatter = formatter_->clone();
    mine.version = formatter_version_.load(std::memory_order_relaxed);
  }
  mine.line.clear();
  mine.formatter->format(msg, mine.line);
  std::unique_lock lock(mutex_);
  pending_.append(mine.line.data(), mine.line.size());
  if (writing_) return;  // the writer takes this line with the rest
  writing_ = true;
  write_pending(lock);
}

void CombiningSink::write_pending(std::unique_lock<std::mutex>& lock) {
  std::string batch;
  while (!pending_.empty()) {
    batch.swap(pending_);
    lock.unlock();
    write_all(fd_, batch);
    batch.clear();
    lock.lock();
  }
  writing_ = false;
  written_.notify_all();
}

void CombiningSink::flush() {
  std::unique_lock lock(mutex_);
  written_.wait(lock, [this] { return !writing_; });
}

void CombiningSink::set_pattern(const std::string& pattern) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void CombiningSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  std::lock_guard lock(mutex_);
  formatter_ = std::move(formatter);
  formatter_version_.store(next_formatter_version++, std::memory_order_release);
}

}  // namespace allocation::adapters::logging
