#include "allocation/adapters/logging/combining_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "allocation/adapters/logging/log_fields.hpp"
#include "allocation/adapters/logging/log_format.hpp"

namespace allocation::adapters::logging {
namespace {

// A temporary file, its descriptor open for appending, removed at the end.
class TempFile {
 public:
  TempFile() : path_("/tmp/combining-sink-XXXXXX") { fd_ = ::mkstemp(path_.data()); }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) all.push_back(line);
    return all;
  }

 private:
  std::string path_;
  int fd_;
};

std::shared_ptr<spdlog::logger> logger_to(std::shared_ptr<CombiningSink> sink) {
  return std::make_shared<spdlog::logger>("test", std::move(sink));
}

TEST(CombiningSink, WritesEachLineWholeAndOnceWhateverTheThreadsLoggingAtOnce) {
  TempFile file;
  auto sink =
      std::make_shared<CombiningSink>(file.fd(), std::make_unique<spdlog::pattern_formatter>("%v"));
  const auto logger = logger_to(sink);
  constexpr int kThreads = 8;
  constexpr int kLines = 2000;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // Long enough lines that a torn write would show.
        const std::string padding(200, static_cast<char>('a' + t));
        for (int i = 0; i < kLines; ++i) logger->info("thread {} line {} {}", t, i, padding);
      });
    }
  }
  logger->flush();
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  std::set<std::string> distinct(lines.begin(), lines.end());
  EXPECT_EQ(distinct.size(), lines.size());
  for (int t = 0; t < kThreads; ++t) {
    const std::string padding(200, static_cast<char>('a' + t));
    for (int i = 0; i < kLines; i += 397) {
      EXPECT_TRUE(distinct.contains(fmt::format("thread {} line {} {}", t, i, padding)));
    }
  }
  // Each thread's lines in the order it logged them.
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    int thread = -1, index = -1;
    ASSERT_EQ(std::sscanf(line.c_str(), "thread %d line %d", &thread, &index), 2) << line;
    EXPECT_EQ(index, next[thread]++) << line;
  }
}

// Whether thread `tid` of this process is inside write() now (Linux: /proc/.../syscall).
bool is_in_write(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/syscall");
  std::string number;
  in >> number;
  return number == std::to_string(SYS_write);
}

// What `fd` gives within 10 s, until `wanted` is in it.
std::string read_until(int fd, std::string_view wanted) {
  std::string got;
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find(wanted) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 100) <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  return got;
}

TEST(CombiningSink, ALineLoggedWhileAnotherThreadWritesIsWrittenByThatThread) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // The pipe full: the next write blocks until the test reads.
  ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  const std::string filler(4096, 'f');
  while (::write(fds[1], filler.data(), filler.size()) > 0) {
  }
  ::fcntl(fds[1], F_SETFL, 0);
  const auto logger = logger_to(
      std::make_shared<CombiningSink>(fds[1], std::make_unique<spdlog::pattern_formatter>("%v")));

  std::atomic<pid_t> writer_tid = 0;
  std::jthread writer([&] {
    writer_tid = ::gettid();
    logger->info("written by its own thread");
  });
  while (writer_tid == 0 || !is_in_write(writer_tid)) std::this_thread::yield();
  // The writer is blocked in write(): this line joins what it writes next, and the call
  // returns at once instead of waiting for the pipe.
  logger->info("written by the writer");
  const std::string got = read_until(fds[0], "written by the writer\n");
  EXPECT_NE(got.find("written by its own thread\nwritten by the writer\n"), std::string::npos)
      << got.substr(got.size() > 100 ? got.size() - 100 : 0);
  writer.join();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(CombiningSink, FormatsOnTheLoggingThreadWithItsContext) {
  TempFile file;
  const auto logger =
      logger_to(std::make_shared<CombiningSink>(file.fd(), log_formatter(LogFormat::text)));
  std::jthread([&] {
    const ScopedLogContext context("request_id", "req-1");
    logger->info("first");
  }).join();
  std::jthread([&] {
    const ScopedLogContext context("request_id", "req-2");
    logger->info("second");
  }).join();
  logger->flush();
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].ends_with("] [test] [info] first request_id=req-1")) << lines[0];
  EXPECT_TRUE(lines[1].ends_with("] [test] [info] second request_id=req-2")) << lines[1];
}

TEST(CombiningSink, TakesANewFormatterForTheLinesThatFollow) {
  TempFile file;
  auto sink =
      std::make_shared<CombiningSink>(file.fd(), std::make_unique<spdlog::pattern_formatter>("%v"));
  const auto logger = logger_to(sink);
  logger->info("plain");
  sink->set_pattern("[%l] %v");
  logger->info("with its level");
  EXPECT_EQ(file.lines(), (std::vector<std::string>{"plain", "[info] with its level"}));
}

TEST(CombiningSink, ALogThatCannotBeWrittenDoesNotStopTheCaller) {
  // A descriptor that is not open: each write fails (EBADF).
  const auto logger = logger_to(
      std::make_shared<CombiningSink>(-1, std::make_unique<spdlog::pattern_formatter>("%v")));
  EXPECT_NO_THROW(logger->info("lost"));
  EXPECT_NO_THROW(logger->flush());
  EXPECT_NO_THROW(logger->info("lost too"));
}

}  // namespace
}  // namespace allocation::adapters::logging
