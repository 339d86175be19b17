#include "allocation/adapters/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace allocation::adapters {

namespace {

// The fields of /proc/self/stat after the command's name (which may hold spaces, in
// parentheses): index 0 is field 3, the state.
std::vector<std::string> stat_fields() {
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto end_of_name = text.rfind(')');
  if (end_of_name == std::string::npos) return {};
  std::istringstream rest(text.substr(end_of_name + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// Field `number` of /proc/self/stat (as proc(5) numbers them, from 1), or NaN.
double stat_field(std::size_t number) {
  const auto fields = stat_fields();
  return number >= 3 && number - 3 < fields.size() ? std::stod(fields[number - 3]) : std::nan("");
}

// Field `index` (0: size, 1: resident) of /proc/self/statm, in bytes.
double statm_bytes(int index) {
  std::ifstream file("/proc/self/statm");
  double pages = std::nan("");
  for (int i = 0; i <= index && file >> pages; ++i) {
  }
  return pages * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

// The system's boot time, in seconds since the epoch (/proc/stat's btime).
double boot_time() {
  std::ifstream file("/proc/stat");
  for (std::string key; file >> key;) {
    if (key == "btime") {
      double seconds = 0;
      file >> seconds;
      return seconds;
    }
  }
  return std::nan("");
}

}  // namespace

void add_process_metrics(PrometheusMetrics& metrics) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  // Fields 14 and 15: user and system CPU time, in clock ticks.
  metrics.add_counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
                      [ticks] { return (stat_field(14) + stat_field(15)) / ticks; });
  metrics.add_gauge("process_resident_memory_bytes", "Resident memory size, in bytes.",
                    [] { return statm_bytes(1); });
  metrics.add_gauge("process_virtual_memory_bytes", "Virtual memory size, in bytes.",
                    [] { return statm_bytes(0); });
  metrics.add_gauge("process_open_fds", "Open file descriptors.", [] {
    std::error_code error;
    double open = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
         it.increment(error)) {
      ++open;
    }
    return error ? std::nan("") : open - 1;  // not the one listing the folder
  });
  metrics.add_gauge("process_max_fds", "The most file descriptors it may open.", [] {
    rlimit limit{};
    return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<double>(limit.rlim_cur)
                                                   : std::nan("");
  });
  // Field 22: the start time, in clock ticks after boot. Read once: it does not change.
  const double start = boot_time() + stat_field(22) / ticks;
  metrics.add_gauge("process_start_time_seconds",
                    "Start time of the process since the epoch, in seconds.",
                    [start] { return start; });
}

}  // namespace allocation::adapters
