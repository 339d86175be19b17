#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_folder.hpp"

namespace allocation::testing {

// The real `allocation` binary (ALLOCATION_BINARY, set by the build), run as a child process.
struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs `allocation ARGS...` to completion.
RunResult run_allocation(const std::vector<std::string>& args);

// `allocation serve --port 0 ARGS...`, started and waited for until it answers; or
// `allocation worker ARGS...`, waited for until it says it consumes.
class ServiceProcess {
 public:
  enum class Subcommand { serve, worker };
  explicit ServiceProcess(std::vector<std::string> args, Subcommand subcommand = Subcommand::serve,
                          const std::vector<std::string>& environment = {});
  ~ServiceProcess();  // SIGKILL if still running
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  httplib::Client client() const;
  // Sends a signal; wait() collects the exit code.
  void signal(int signal) const;
  int wait(std::chrono::seconds timeout = std::chrono::seconds(10));
  std::string log() const;     // what it wrote to stderr
  std::string output() const;  // what it wrote to stdout

 private:
  std::string log_path() const { return folder_.file("service.log"); }

  TempFolder folder_;  // its log and output, gone with it
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace allocation::testing
