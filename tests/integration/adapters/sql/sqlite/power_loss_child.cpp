// The process that loses power: runs the power loss workload through the service's own bus on
// a SQLite database, over the power loss VFS, and says what it does on stdout, one line each:
//   try THREAD STEP      before the bus handles the step's command
//   ok THREAD STEP       once the bus returned (its commit is durable)
//   refused THREAD STEP  once the bus refused it (nothing committed)
//   done COUNTS          at the end, when the power never failed
//
//   power_loss_child DATABASE_FILE CRASH_AT dropped|torn SEED
// CRASH_AT: N, the power fails before the Nth write, sync or truncation; database-sync-N,
// before the Nth sync of the database; 0, never.
#include <soci/session.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/bootstrap/application.hpp"
#include "support/power_loss_vfs.hpp"
#include "support/power_loss_workload.hpp"

namespace {

using namespace allocation;
using namespace allocation::testing;

// One line on stdout with one system call: lines of threads never mix, and a line written is
// the kernel's before the power fails.
void say(const std::string& line) {
  const std::string text = line + '\n';
  if (::write(STDOUT_FILENO, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    std::abort();
}

// Copies the log into the database on a connection of its own each time 8 more commands were
// acknowledged, as the service's checkpointer does after each 4 MiB of log: the workload is too
// small to reach that.
class Checkpoints {
 public:
  explicit Checkpoints(const adapters::sql::Database& database)
      : session_(database.connect()), thread_([this](std::stop_token stop) { run(stop); }) {}

  void acknowledged() {
    {
      std::lock_guard lock(mutex_);
      ++acknowledged_;
    }
    wanted_.notify_one();
  }

 private:
  void run(std::stop_token stop) {
    int copied_at = 0;
    std::unique_lock lock(mutex_);
    while (wanted_.wait(lock, stop, [&] { return acknowledged_ >= copied_at + 8; })) {
      copied_at = acknowledged_;
      lock.unlock();
      *session_ << "PRAGMA wal_checkpoint(PASSIVE)";
      lock.lock();
    }
  }

  std::unique_ptr<soci::session> session_;
  std::mutex mutex_;
  std::condition_variable_any wanted_;
  int acknowledged_ = 0;  // guarded by mutex_
  std::jthread thread_;
};

// Runs each thread's commands of one phase on threads of their own, and waits for them.
void run_phase(const service_layer::MessageBus& bus, Checkpoints* checkpoints,
               const std::vector<std::vector<domain::Command>>& phase,
               std::vector<int>& next_step) {
  std::vector<std::jthread> threads;
  for (int thread = 0; thread < power_loss::kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (const domain::Command& command : phase[static_cast<std::size_t>(thread)]) {
        const std::string step = std::to_string(thread) + ' ' +
                                 std::to_string(next_step[static_cast<std::size_t>(thread)]++);
        say("try " + step);
        try {
          bus.handle(command);
          say("ok " + step);
        } catch (const std::exception& refused) {
          say("refused " + step + ' ' + refused.what());
        }
        if (checkpoints) checkpoints->acknowledged();
      }
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: power_loss_child DATABASE_FILE CRASH_AT dropped|torn SEED\n";
    return 2;
  }
  // As the real binary's main does, logging is set up before any thread logs: spdlog makes its
  // registry on first use inside a library that ThreadSanitizer does not instrument, so a first
  // use on two threads at once is a race report TSan cannot see through.
  spdlog::set_level(spdlog::level::warn);
  const std::string crash_at = argv[2];
  const std::string database_sync = "database-sync-";
  const bool database_syncs_only = crash_at.starts_with(database_sync);
  install_power_loss_vfs(
      {.crash_at = std::atol(crash_at.c_str() + (database_syncs_only ? database_sync.size() : 0)),
       .database_syncs_only = database_syncs_only,
       .loss = std::string(argv[3]) == "torn" ? PowerLoss::torn : PowerLoss::dropped,
       .seed = std::strtoull(argv[4], nullptr, 10),
       .report_fd = STDOUT_FILENO});
  try {
    bootstrap::Settings settings;
    settings.database_url = std::string("sqlite:") + argv[1];
    settings.database_pool = 4;
    {
      const bootstrap::Application application(settings);
      const adapters::sql::Database database(settings.database_url, {.pool_size = 1});
      std::vector<std::vector<domain::Command>> setup, first_round, second_round;
      for (int thread = 0; thread < power_loss::kThreads; ++thread) {
        auto phases = power_loss::commands_of(thread);
        setup.push_back(std::move(phases.setup));
        first_round.push_back(std::move(phases.first_round));
        second_round.push_back(std::move(phases.second_round));
      }
      std::vector<int> next_step(power_loss::kThreads, 0);
      run_phase(application.bus(), nullptr, setup, next_step);
      {
        Checkpoints checkpoints(database);
        run_phase(application.bus(), &checkpoints, first_round, next_step);
      }
      // All of the log copied: the next commit writes the log from its beginning again, over
      // frames of the last one.
      *database.connect() << "PRAGMA wal_checkpoint(RESTART)";
      run_phase(application.bus(), nullptr, second_round, next_step);
    }  // closing the last connection copies the log once more and deletes it
    say("done " + power_loss_counts());
    return 0;
  } catch (const std::exception& failure) {
    std::cerr << "power_loss_child: " << failure.what() << '\n';
    return 1;
  }
}
