#include "e2e/service_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <stdexcept>
#include <thread>

#include "support/child_process.hpp"
#include "support/temp_folder.hpp"
#include "support/text_file.hpp"

namespace allocation::testing {

namespace {

// Starts the service's binary with stdout and stderr to files.
pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err,
            const std::vector<std::string>& environment = {}) {
  std::vector<std::string> argv = {ALLOCATION_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn_program(std::move(argv), out, err, environment);
}

}  // namespace

RunResult run_allocation(const std::vector<std::string>& args) {
  const TempFolder folder("allocation-e2e");
  const std::string out = folder.file("out"), err = folder.file("err");
  const pid_t pid = spawn(args, out, err);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {exit_code(status), read_text(out), read_text(err)};
}

ServiceProcess::ServiceProcess(std::vector<std::string> args, Subcommand subcommand,
                               const std::vector<std::string>& environment)
    : folder_("allocation-e2e") {
  if (subcommand == Subcommand::serve) {
    args.insert(args.begin(), {"serve", "--port", "0"});
  } else {
    args.insert(args.begin(), "worker");
  }
  pid_ = spawn(args, log_path() + ".out", log_path(), environment);
  static const std::regex serving(R"(serving on http://[^:]+:(\d+)|worker consuming)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string text = read_text(log_path());
    if (std::regex_search(text, match, serving)) {
      if (match[1].matched) port_ = std::stoi(match[1]);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("allocation exited at start: " + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("allocation did not start: " + read_text(log_path()));
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

httplib::Client ServiceProcess::client() const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  return client;
}

void ServiceProcess::signal(int signal) const { ::kill(pid_, signal); }

int ServiceProcess::wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return exit_code(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string ServiceProcess::log() const { return read_text(log_path()); }

std::string ServiceProcess::output() const { return read_text(log_path() + ".out"); }

}  // namespace allocation::testing
