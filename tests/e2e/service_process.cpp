#include "e2e/service_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <stdexcept>
#include <thread>

#include "support/text_file.hpp"

extern char** environ;

namespace allocation::testing {

namespace {

std::string temp_path(const char* name) {
  char folder[] = "/tmp/allocation-e2e-XXXXXX";
  return std::string(::mkdtemp(folder)) + "/" + name;
}

}  // namespace

pid_t spawn_program(std::vector<std::string> argv_storage, const std::string& out,
                    const std::string& err, const std::vector<std::string>& environment) {
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> added = environment;
  std::vector<char*> envp;
  for (char** variable = environ; *variable; ++variable) envp.push_back(*variable);
  for (auto& variable : added) envp.push_back(variable.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int failed = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (failed) throw std::runtime_error("cannot start " + argv_storage[0]);
  return pid;
}

namespace {

// Starts the service's binary with stdout and stderr to files.
pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err,
            const std::vector<std::string>& environment = {}) {
  std::vector<std::string> argv = {ALLOCATION_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn_program(std::move(argv), out, err, environment);
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

RunResult run_allocation(const std::vector<std::string>& args) {
  const std::string out = temp_path("out"), err = out + ".err";
  const pid_t pid = spawn(args, out, err);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {exit_code(status), read_text(out), read_text(err)};
}

ServiceProcess::ServiceProcess(std::vector<std::string> args, Subcommand subcommand,
                               const std::vector<std::string>& environment) {
  log_path_ = temp_path("service.log");
  if (subcommand == Subcommand::serve) {
    args.insert(args.begin(), {"serve", "--port", "0"});
  } else {
    args.insert(args.begin(), "worker");
  }
  pid_ = spawn(args, log_path_ + ".out", log_path_, environment);
  static const std::regex serving(R"(serving on http://[^:]+:(\d+)|worker consuming)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string text = read_text(log_path_);
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
  throw std::runtime_error("allocation did not start: " + read_text(log_path_));
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

std::string ServiceProcess::log() const { return read_text(log_path_); }

std::string ServiceProcess::output() const { return read_text(log_path_ + ".out"); }

}  // namespace allocation::testing
