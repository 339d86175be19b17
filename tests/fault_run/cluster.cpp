#include "fault_run/cluster.hpp"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace allocation::fault_run {

namespace {

// Debian's libfaketime (package faketime). The processes read the offset from a file at most
// once a second; their monotonic clock, which times their waits, is left alone.
constexpr const char* kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

template <class Duration>
Duration between(std::mt19937_64& random, Duration low, Duration high) {
  return Duration(
      std::uniform_int_distribution<typename Duration::rep>(low.count(), high.count())(random));
}

std::vector<std::string> durable_broker(const std::string& folder) {
  // Appends and syncs each entry before answering: what Redis confirmed survives its kill.
  std::filesystem::create_directories(folder + "/redis");
  return {"--appendonly", "yes", "--appendfsync", "always", "--dir", folder + "/redis"};
}

}  // namespace

Cluster::Cluster(ClusterSettings settings)
    : settings_(std::move(settings)),
      broker_options_(durable_broker(settings_.folder)),
      redis_(broker_options_),
      clock_file_(settings_.folder + "/clock-offset") {
  if (!std::filesystem::exists(kFaketime))
    throw std::runtime_error(std::string(kFaketime) + " is missing: apt-get install faketime");
  write_clock_offset();
  for (int p = 0; p < settings_.processes; ++p) processes_.push_back(start_process());
}

Cluster::~Cluster() = default;

std::shared_ptr<testing::ServiceProcess> Cluster::start_process() {
  const std::vector<std::string> args = {
      "--db", settings_.database_url, "--broker", "redis-streams://" + redis_.url().substr(8),
      "--reservation-sweep", std::to_string(settings_.sweep_seconds),
      // Every message stays in its stream for the checker to read.
      "--stream-maxlen", "1000000000", "--recovery-interval", "2"};
  const std::vector<std::string> environment = {
      std::string("LD_PRELOAD=") + kFaketime, "FAKETIME_TIMESTAMP_FILE=" + clock_file_,
      "FAKETIME_CACHE_DURATION=1", "DONT_FAKE_MONOTONIC=1"};
  auto process = std::make_shared<testing::ServiceProcess>(
      args, testing::ServiceProcess::Subcommand::serve, environment);
  std::lock_guard lock(mutex_);
  started_.push_back(process);
  return process;
}

std::vector<std::string> Cluster::sanitizer_reports() const {
  std::vector<std::shared_ptr<testing::ServiceProcess>> started;
  {
    std::lock_guard lock(mutex_);
    started = started_;
  }
  std::vector<std::string> reports;
  for (std::size_t p = 0; p < started.size(); ++p) {
    std::istringstream log(started[p]->log());
    for (std::string line; std::getline(log, line);) {
      if (line.find("WARNING: ThreadSanitizer") != std::string::npos ||
          line.find("ERROR: AddressSanitizer") != std::string::npos ||
          line.find("runtime error:") != std::string::npos)
        reports.push_back("process started " + std::to_string(p + 1) + "th: " + line);
    }
  }
  return reports;
}

void Cluster::write_clock_offset() const {
  const std::string temporary = clock_file_ + ".new";
  std::ofstream(temporary) << '+' << offset_.load() << '\n';
  std::filesystem::rename(temporary, clock_file_);  // a reader sees the old offset or the new
}

std::shared_ptr<testing::ServiceProcess> Cluster::any(std::mt19937_64& random) const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<testing::ServiceProcess>> up;
  for (const auto& process : processes_)
    if (process) up.push_back(process);
  if (up.empty()) return nullptr;
  return up[std::uniform_int_distribution<std::size_t>(0, up.size() - 1)(random)];
}

std::string Cluster::kill_and_restart(std::mt19937_64& random) {
  const auto slot = std::uniform_int_distribution<std::size_t>(0, processes_.size() - 1)(random);
  std::shared_ptr<testing::ServiceProcess> killed;
  {
    std::lock_guard lock(mutex_);
    killed = std::exchange(processes_[slot], nullptr);
  }
  killed->signal(SIGKILL);
  killed->wait();
  const auto down =
      between(random, std::chrono::milliseconds(100), std::chrono::milliseconds(1500));
  std::this_thread::sleep_for(down);
  // A process may fail to start (on SQLite beside a busy process, before its start stopped
  // waiting for the write lock): started again, as a supervisor would, and told in the fault's
  // line, which the run's output shows.
  std::string refused;
  std::shared_ptr<testing::ServiceProcess> started;
  for (int attempt = 1; !started; ++attempt) {
    try {
      started = start_process();
    } catch (const std::runtime_error& failure) {
      if (attempt == 5) throw;
      refused += std::string(refused.empty() ? "" : "; ") + failure.what();
    }
  }
  std::lock_guard lock(mutex_);
  processes_[slot] = std::move(started);
  return "kill -9 of process " + std::to_string(slot) + ", restarted after " +
         std::to_string(down.count()) + " ms" +
         (refused.empty() ? "" : " (it failed to start first: " + refused + ")");
}

std::string Cluster::restart_database(std::mt19937_64& random) {
  if (!settings_.stop_database || !settings_.start_database) return {};
  if (std::system(settings_.stop_database->c_str()) != 0)
    throw std::runtime_error("cannot stop PostgreSQL");
  const auto down =
      between(random, std::chrono::milliseconds(200), std::chrono::milliseconds(1500));
  std::this_thread::sleep_for(down);
  if (std::system(settings_.start_database->c_str()) != 0)
    throw std::runtime_error("cannot start PostgreSQL");
  return "PostgreSQL stopped for " + std::to_string(down.count()) + " ms";
}

std::string Cluster::restart_broker(std::mt19937_64& random) {
  redis_.stop();
  const auto down =
      between(random, std::chrono::milliseconds(100), std::chrono::milliseconds(1500));
  std::this_thread::sleep_for(down);
  redis_.start(broker_options_);
  return "Redis killed (kill -9), started after " + std::to_string(down.count()) + " ms";
}

std::string Cluster::jump_clock(std::mt19937_64& random) {
  const auto jump = between(random, std::chrono::seconds(120), std::chrono::seconds(600));
  offset_ += jump.count();
  write_clock_offset();
  return "clock " + std::to_string(jump.count()) + " s forward (now +" +
         std::to_string(offset_.load()) + " s)";
}

}  // namespace allocation::fault_run
