// The randomized fault run (Jepsen's way): clients send a random mix of every change the API
// takes to several `serve` processes on one database (3 on PostgreSQL, 2 on SQLite) while faults
// are injected (kill -9 and restart of a process, a PostgreSQL restart, a Redis broker killed and
// restarted, the processes' clock jumping forward past the holds' expiry); every request and
// answer is recorded, and once the system is whole and quiet again the checker (checker.hpp)
// judges it against that history. Exits 1 on any violation.
//
//   fault_run --backend sqlite|postgresql [--seconds N] [--seed S] [--clients N]
//
// The seed (printed; drawn from the time when not given) draws every client's commands and every
// fault: a run with the same seed sends the same kinds of commands and injects the same faults in
// the same order, though the timing of processes and threads differs. PostgreSQL is the one of
// tools/test-servers.sh (ALLOCATION_TEST_PG, ALLOCATION_TEST_PG_STOP, ALLOCATION_TEST_PG_START).
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <thread>

#include "fault_run/checker.hpp"
#include "fault_run/cluster.hpp"
#include "fault_run/history.hpp"
#include "fault_run/workload.hpp"
#include "support/scratch_database.hpp"
#include "support/temp_folder.hpp"

namespace {

using namespace allocation;
using namespace allocation::fault_run;
using namespace std::chrono_literals;

// Waits `length`, or less once `stop` is asked.
void pause(std::stop_token stop, std::chrono::milliseconds length) {
  std::mutex mutex;
  std::condition_variable_any never;
  std::unique_lock lock(mutex);
  never.wait_for(lock, stop, length, [] { return false; });
}

void run_client(int client, std::uint64_t seed, const Cluster& cluster, Known& known,
                History& history, std::stop_token stop) {
  std::mt19937_64 random(seed * 1'000 + static_cast<std::uint64_t>(client));
  for (long n = 0; !stop.stop_requested(); ++n) {
    Operation operation = next_operation(client * 1'000'000L + n, random, known);
    perform(operation, cluster, random);
    known.learn(operation);
    history.add(std::move(operation));
  }
}

// A fault every 0.5 to 2 seconds; each returns once the system is whole again. Returns why the
// system could not be made whole again (a process that would not start), if it could not.
std::optional<std::string> inject_faults(std::uint64_t seed, const std::set<std::string>& kinds,
                                         Cluster& cluster, History& history,
                                         std::stop_token stop) try {
  std::mt19937_64 random(seed * 1'000 + 999);
  const bool postgresql = cluster.settings().stop_database.has_value();
  while (!stop.stop_requested()) {
    pause(stop, std::chrono::milliseconds(std::uniform_int_distribution<int>(500, 2000)(random)));
    if (stop.stop_requested()) break;
    const int roll = std::uniform_int_distribution<int>(0, 99)(random);
    std::string what;
    if (roll < 45) {
      if (kinds.contains("kill")) what = cluster.kill_and_restart(random);
    } else if (roll < 60 && postgresql) {
      if (kinds.contains("database")) what = cluster.restart_database(random);
    } else if (roll < 75) {
      if (kinds.contains("broker")) what = cluster.restart_broker(random);
    } else if (kinds.contains("clock")) {
      what = cluster.jump_clock(random);
    }
    if (what.empty()) continue;
    std::cout << "  fault: " << what << std::endl;
    history.add(Fault{what, Clock::now()});
  }
  return std::nullopt;
} catch (const std::exception& failure) {
  return std::string("the system could not be made whole after a fault: ") + failure.what();
}

// Until the outbox is empty (the relays caught up after the last broker restart), up to 60 s.
bool wait_for_empty_outbox(const Cluster& cluster) {
  std::mt19937_64 random(0);
  for (int i = 0; i < 600; ++i) {
    if (const auto process = cluster.any(random)) {
      auto client = process->client();
      const auto metrics = client.Get("/metrics");
      if (metrics && metrics->body.find("allocation_outbox_backlog 0\n") != std::string::npos)
        return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

void write_history(const std::string& path, const History& history) {
  std::ofstream out(path);
  for (const auto& operation : history.operations()) {
    out << nlohmann::json{{"id", operation.id},
                          {"kind", operation.kind},
                          {"method", operation.method},
                          {"path", operation.path},
                          {"body", operation.body},
                          {"outcome", outcome_name(operation.outcome)},
                          {"status", operation.status},
                          {"answer", operation.answer},
                          {"attempts", operation.attempts}}
               .dump()
        << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Randomized fault run over real `serve` processes, with an invariant checker");
  std::string backend;
  int seconds = 30, clients = 6;
  std::uint64_t seed =
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) %
      1'000'000'007;
  app.add_option("--backend", backend, "sqlite or postgresql")
      ->required()
      ->check(CLI::IsMember({"sqlite", "postgresql"}));
  app.add_option("--seconds", seconds, "How long the clients and faults run")
      ->check(CLI::Range(1, 86'400));
  app.add_option("--seed", seed, "Draws the commands and the faults (default: from the time)");
  std::vector<std::string> fault_kinds = {"kill", "database", "broker", "clock"};
  app.add_option("--faults", fault_kinds,
                 "Which faults: kill, database (PostgreSQL), broker, clock; none: no fault")
      ->check(CLI::IsMember({"kill", "database", "broker", "clock", "none"}));
  app.add_option("--clients", clients, "Clients sending at once")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);

  const bool postgresql = backend == "postgresql";
  if (postgresql &&
      (!std::getenv("ALLOCATION_TEST_PG") || !std::getenv("ALLOCATION_TEST_PG_STOP"))) {
    std::cerr << "fault_run: ALLOCATION_TEST_PG and ALLOCATION_TEST_PG_STOP/START are not set "
                 "(tools/test-servers.sh)\n";
    return 2;
  }
  const testing::ScratchDatabase database(postgresql ? adapters::sql::Backend::postgresql
                                                     : adapters::sql::Backend::sqlite);
  ClusterSettings settings;
  settings.database_url = database.url();
  settings.processes = postgresql ? 3 : 2;
  // The run's files, kept when the checker finds a violation.
  testing::TempFolder folder("allocation-fault-run");
  settings.folder = folder.path();
  if (postgresql) {
    settings.stop_database = std::getenv("ALLOCATION_TEST_PG_STOP");
    settings.start_database = std::getenv("ALLOCATION_TEST_PG_START");
  }
  std::cout << "fault run: seed " << seed << ", " << backend << ", " << settings.processes
            << " processes, " << clients << " clients, " << seconds << " s; files in "
            << settings.folder << std::endl;

  Cluster cluster(settings);
  History history;
  Known known;
  std::optional<std::string> not_whole;  // set by the fault thread, read after it joined
  {
    std::vector<std::jthread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back(
          [&, c](std::stop_token stop) { run_client(c, seed, cluster, known, history, stop); });
    }
    const std::set<std::string> kinds(fault_kinds.begin(), fault_kinds.end());
    std::jthread faults([&](std::stop_token stop) {
      not_whole = inject_faults(seed, kinds, cluster, history, stop);
    });
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    faults.request_stop();
    faults.join();
    for (auto& thread : threads) thread.request_stop();
  }  // every client finished its last command

  const bool caught_up = wait_for_empty_outbox(cluster);
  // Past the processes' recovery of reallocations a killed one left (every 2 s), their sweep
  // (every second) and the second their clock file may be read late.
  std::this_thread::sleep_for(5s);
  const auto operations = history.operations();
  std::vector<std::string> violations = check(cluster, operations);
  for (auto& report : cluster.sanitizer_reports()) violations.push_back(std::move(report));
  if (!caught_up)
    violations.insert(violations.begin(), "the outbox was not empty 60 s after the run");
  if (not_whole) violations.insert(violations.begin(), *not_whole);
  write_history(settings.folder + "/history.jsonl", history);

  std::map<std::string, std::map<std::string, int>> tally;  // kind -> outcome -> count
  for (const auto& operation : operations) ++tally[operation.kind][outcome_name(operation.outcome)];
  std::map<std::string, int> faults;
  for (const auto& fault : history.faults()) ++faults[fault.what.substr(0, fault.what.find(' '))];
  std::cout << operations.size() << " operations:";
  for (const auto& [kind, outcomes] : tally) {
    std::cout << "\n  " << kind;
    for (const auto& [outcome, n] : outcomes) std::cout << " " << outcome << "=" << n;
  }
  std::cout << "\n" << history.faults().size() << " faults:";
  for (const auto& [kind, n] : faults) std::cout << " " << kind << "=" << n;
  std::cout << "\n" << violations.size() << " violations (seed " << seed << ")\n";
  for (const auto& violation : violations) std::cout << "  " << violation << "\n";
  if (violations.empty()) return 0;
  folder.keep();
  std::cout << "history: " << settings.folder << "/history.jsonl" << std::endl;
  if (!postgresql) {  // the database, for a look at what went wrong
    const std::string file = database.url().substr(std::string("sqlite:").size());
    for (const char* suffix : {"", "-wal", "-shm"})
      if (std::filesystem::exists(file + suffix))
        std::filesystem::copy_file(file + suffix, settings.folder + "/allocation.db" + suffix);
    std::cout << "database: " << settings.folder << "/allocation.db" << std::endl;
  }
  return 1;
}
