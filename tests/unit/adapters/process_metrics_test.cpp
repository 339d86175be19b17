#include "allocation/adapters/process_metrics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace allocation::adapters {
namespace {

std::optional<double> value_of(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  return std::nullopt;
}

TEST(ProcessMetrics, TellThisProcesssMemoryFilesCpuAndStartTime) {
  PrometheusMetrics metrics;
  add_process_metrics(metrics);
  std::vector<char> touched(8 << 20, 1);  // 8 MiB resident, at least
  const std::string text = metrics.render();
  EXPECT_GE(value_of(text, "process_resident_memory_bytes").value_or(0), 8 << 20);
  EXPECT_GE(value_of(text, "process_virtual_memory_bytes").value_or(0),
            value_of(text, "process_resident_memory_bytes").value_or(1e18));
  EXPECT_GE(value_of(text, "process_open_fds").value_or(0), 3);  // stdin, stdout, stderr
  EXPECT_GE(value_of(text, "process_max_fds").value_or(0),
            value_of(text, "process_open_fds").value_or(1e18));
  EXPECT_GE(value_of(text, "process_cpu_seconds_total").value_or(-1), 0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = value_of(text, "process_start_time_seconds").value_or(0);
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 3600) << "this test started within the hour";
  EXPECT_TRUE(text.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
  EXPECT_EQ(touched.back(), 1);
}

TEST(ProcessMetrics, OpenFilesAreCountedAsTheyOpen) {
  PrometheusMetrics metrics;
  add_process_metrics(metrics);
  const double before = value_of(metrics.render(), "process_open_fds").value_or(-1);
  const int fd = ::dup(1);
  const double after = value_of(metrics.render(), "process_open_fds").value_or(-1);
  ::close(fd);
  EXPECT_EQ(after, before + 1);
}

}  // namespace
}  // namespace allocation::adapters
