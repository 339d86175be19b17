// Power loss on SQLite (SPEC §5): a child process runs allocations, cancels, holds and quantity
// changes through the service's bus over the power loss VFS, which sits under the service's
// buffered log VFS and fails the power at one write, sync or truncation of the database, its log
// or its journal (tests/support/power_loss_vfs.hpp). The test then opens the files with the real
// code, as a restarted service would, and checks that:
// - SQLite finds the database whole (PRAGMA integrity_check);
// - every command the bus acknowledged before the power failed is there;
// - nothing is half done: a refused command or one never run left nothing, each line's
//   allocations have their message in the outbox and each message its line, no batch holds
//   more than it has, and the ledger recomputes to the stored stock (`allocation verify`).
//
// It fails the power before every write, sync and truncation of a run, with each of two losses
// (about 800 runs, half a minute); ALLOCATION_POWER_LOSS_ROUNDS=N does it N times, each drawing
// other torn writes (a longer run by hand); ALLOCATION_POWER_LOSS_EVERY=N fails it at every Nth
// and at each sync of the database only (`make test-sanitize`). A failure names the child's command
// line, which loses the power at the same count with the same draws again; the threads may meet
// otherwise.
#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/rowset.h>
#include <soci/session.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/bootstrap/application.hpp"
#include "support/child_process.hpp"
#include "support/power_loss_vfs.hpp"
#include "support/power_loss_workload.hpp"
#include "support/temp_folder.hpp"
#include "support/text_file.hpp"

namespace allocation::testing {
namespace {

namespace fs = std::filesystem;
using namespace domain::commands;

// Where a step of the workload got when the power failed.
enum class Step { acknowledged, refused, in_flight, never_run };

// What the child said: per thread, the last step it began and the last one answered.
struct ChildReport {
  int exit_code = -1;
  std::vector<int> begun = std::vector<int>(power_loss::kThreads, -1);
  std::vector<int> answered = std::vector<int>(power_loss::kThreads, -1);
  std::set<std::pair<int, int>> refused;
  std::string crash;  // "N FILE OPERATION LOSS", empty when the power never failed
  std::string done;   // the VFS's counts, when the run ended
  std::string output;

  Step step(int thread, int index) const {
    const auto t = static_cast<std::size_t>(thread);
    if (index <= answered[t])
      return refused.contains({thread, index}) ? Step::refused : Step::acknowledged;
    if (index == begun[t]) return Step::in_flight;
    return Step::never_run;
  }
};

ChildReport parse(int exit_code, std::string output) {
  ChildReport report;
  report.exit_code = exit_code;
  std::istringstream lines(output);
  std::string word;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream in(line);
    in >> word;
    int thread = 0, index = 0;
    if (word == "try" && in >> thread >> index) {
      report.begun[static_cast<std::size_t>(thread)] = index;
    } else if ((word == "ok" || word == "refused") && in >> thread >> index) {
      report.answered[static_cast<std::size_t>(thread)] = index;
      if (word == "refused") report.refused.insert({thread, index});
    } else if (word == "crash") {
      report.crash = line.substr(6);
    } else if (word == "done") {
      report.done = line.substr(5);
    }
  }
  report.output = std::move(output);
  return report;
}

// A fresh database with the schema, copied for each run: the runs spend their crash points on
// the workload, not on creating tables.
class SqlitePowerLoss : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    template_ = folder_.emplace("allocation-power-loss").file("template.db");
    bootstrap::Settings settings;
    settings.database_url = "sqlite:" + template_;
    { const bootstrap::Application created(settings); }
    ASSERT_FALSE(fs::exists(template_ + "-wal")) << "the log outlived the last connection";
  }
  static void TearDownTestSuite() { folder_.reset(); }

  // Runs the child on a copy of the template until the power fails before event `crash_at`
  // (0: never); returns the database's path and what the child said.
  std::pair<std::string, ChildReport> run_child(const std::string& crash_at, PowerLoss loss,
                                                std::uint64_t seed) {
    const std::string run = folder_->file("run-" + std::to_string(++runs_));
    fs::create_directory(run);
    const std::string database = run + "/allocation.db";
    fs::copy_file(template_, database);
    const std::vector<std::string> argv = {POWER_LOSS_CHILD, database, crash_at,
                                           loss == PowerLoss::torn ? "torn" : "dropped",
                                           std::to_string(seed)};
    const int exit_code = run_to_end(argv, run + "/out", run + "/err");
    ChildReport report = parse(exit_code, read_text(run + "/out"));
    last_command_ = argv[0] + " " + argv[1] + " " + argv[2] + " " + argv[3] + " " + argv[4] + "\n" +
                    read_text(run + "/err");
    return {database, std::move(report)};
  }

  static inline std::optional<TempFolder> folder_;  // the suite's, from its set-up to its end
  static inline std::string template_;
  static inline int runs_ = 0;
  std::string last_command_;
};

// What a run left in the database, against what the child said: one line per violation.
class Survivors {
 public:
  Survivors(const std::string& database, const ChildReport& report) : report_(report) {
    bootstrap::Settings settings;
    settings.database_url = "sqlite:" + database;
    // The real code opens the files as a restarted service would: SQLite recovers its log.
    application_.emplace(settings);
    database_.emplace(settings.database_url, adapters::sql::DatabaseOptions{.pool_size = 1});
  }

  std::vector<std::string> violations() {
    check_integrity();
    for (int thread = 0; thread < power_loss::kThreads; ++thread) check_steps(thread);
    check_outbox();
    check_batches();
    for (const auto& d : application_->stock_ledger().verify().differences) {
      found("ledger: batch " + d.batchref + " " + d.field + " stored " + std::to_string(d.stored) +
            ", recomputed " + std::to_string(d.recomputed));
    }
    return std::move(violations_);
  }

 private:
  void found(std::string violation) { violations_.push_back(std::move(violation)); }

  void check_integrity() {
    auto lease = database_->acquire();
    std::string result;
    lease.session() << "PRAGMA integrity_check", soci::into(result);
    if (result != "ok") found("integrity_check: " + result);
  }

  // Each step's own trace: there when acknowledged, absent when refused or never run; either
  // when the power failed during it.
  void check_steps(int thread) {
    const auto commands = power_loss::all_commands_of(thread);
    std::map<std::string, std::set<int>> quantities;  // by batch: what it may hold now
    for (std::size_t index = 0; index < commands.size(); ++index) {
      const Step step = report_.step(thread, static_cast<int>(index));
      const domain::Command& command = commands[index];
      const std::string what = power_loss::describe(command) + " (thread " +
                               std::to_string(thread) + ", step " + std::to_string(index) + ")";
      if (const auto* add = std::get_if<CreateBatch>(&command)) {
        const bool there = application_->stock_states().batch(add->ref).has_value();
        expect(step, there, what);
        if (step == Step::acknowledged) quantities[add->ref] = {add->qty};
        if (step == Step::in_flight && there) quantities[add->ref] = {add->qty};
      } else if (const auto* change = std::get_if<ChangeBatchQuantity>(&command)) {
        if (step == Step::acknowledged) quantities[change->ref] = {change->qty};
        if (step == Step::in_flight) quantities[change->ref].insert(change->qty);
      } else if (const auto* allocate = std::get_if<Allocate>(&command)) {
        expect(step, !application_->order_lines().of_order(allocate->orderid).empty(), what);
        if (allocate->reservation && step == Step::acknowledged) {
          const auto hold = application_->reservations().find(*allocate->reservation);
          if (!hold || hold->status != service_layer::HoldStatus::consumed)
            found(what + ": acknowledged, but its hold is not used up");
        }
      } else if (const auto* cancel = std::get_if<CancelOrder>(&command)) {
        if (step != Step::acknowledged) continue;
        for (const auto& line : application_->order_lines().of_order(cancel->orderid)) {
          if (line.status != service_layer::LineStatus::cancelled)
            found(what + ": acknowledged, but a line is " + status_name(line.status));
        }
      } else if (const auto* reserve = std::get_if<Reserve>(&command)) {
        expect(step, application_->reservations().find(*reserve->id).has_value(), what);
      } else if (const auto* release = std::get_if<ReleaseReservation>(&command)) {
        const auto hold = application_->reservations().find(release->id);
        if (step == Step::acknowledged &&
            (!hold || hold->status != service_layer::HoldStatus::released))
          found(what + ": acknowledged, but the hold is not released");
      } else if (const auto* policy = std::get_if<SetProductPolicy>(&command)) {
        const auto product = application_->stock_states().product(policy->sku, kToday);
        if (step == Step::acknowledged && !(product && product->backorders))
          found(what + ": acknowledged, but backorders are off");
      }
    }
    for (const auto& [ref, allowed] : quantities) {
      const auto batch = application_->stock_states().batch(ref);
      if (batch && !allowed.contains(batch->purchased))
        found("batch " + ref + " holds " + std::to_string(batch->purchased) +
              ", which no acknowledged or interrupted change set");
    }
  }

  // An acknowledged step left its trace; a refused one or one never run left none.
  void expect(Step step, bool there, const std::string& what) {
    if (step == Step::acknowledged && !there) found(what + ": acknowledged, but lost");
    if ((step == Step::refused || step == Step::never_run) && there)
      found(what + (step == Step::refused ? ": refused, but done" : ": never run, but done"));
  }

  // A line is allocated in the transaction that stores its message for the outbox.
  void check_outbox() {
    std::set<std::string> announced;
    auto lease = database_->acquire();
    const soci::rowset<std::string> payloads =
        (lease.session().prepare << "SELECT payload FROM outbox WHERE channel = 'line_allocated'");
    for (const std::string& payload : payloads) {
      const std::string orderid = nlohmann::json::parse(payload).at("orderid");
      announced.insert(orderid);
      if (application_->order_lines().of_order(orderid).empty())
        found("line_allocated for " + orderid + ", which has no line");
    }
    for (int thread = 0; thread < power_loss::kThreads; ++thread) {
      for (const auto& command : power_loss::all_commands_of(thread)) {
        const auto* allocate = std::get_if<Allocate>(&command);
        if (!allocate || announced.contains(allocate->orderid)) continue;
        for (const auto& line : application_->order_lines().of_order(allocate->orderid)) {
          if (!line.allocations.empty())
            found(allocate->orderid + " is allocated, with no line_allocated in the outbox");
        }
      }
    }
  }

  void check_batches() {
    for (int thread = 0; thread < power_loss::kThreads; ++thread) {
      const auto product =
          application_->stock_states().product("sku-" + std::to_string(thread), kToday);
      if (!product) continue;
      for (const auto& batch : product->batches) {
        if (batch.allocated + batch.reserved > batch.purchased)
          found("batch " + batch.reference + " over-committed: " + std::to_string(batch.allocated) +
                " allocated + " + std::to_string(batch.reserved) + " reserved > " +
                std::to_string(batch.purchased));
      }
    }
  }

  static constexpr domain::Date kToday{std::chrono::year(2030), std::chrono::month(1),
                                       std::chrono::day(1)};
  const ChildReport& report_;
  std::optional<bootstrap::Application> application_;
  std::optional<adapters::sql::Database> database_;
  std::vector<std::string> violations_;
};

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "  " + line + "\n";
  return text;
}

// The workload itself, with the power on: it runs to its end, with every check clean.
TEST_F(SqlitePowerLoss, TheWorkloadPassesEveryCheckWithThePowerOn) {
  const auto [database, report] = run_child("0", PowerLoss::dropped, 1);
  ASSERT_EQ(report.exit_code, 0) << last_command_ << report.output;
  ASSERT_FALSE(report.done.empty()) << report.output;
  for (int thread = 0; thread < power_loss::kThreads; ++thread) {
    EXPECT_EQ(report.answered[static_cast<std::size_t>(thread)] + 1,
              static_cast<int>(power_loss::all_commands_of(thread).size()));
  }
  EXPECT_EQ(joined(Survivors(database, report).violations()), "");
  std::cout << "power on: " << report.done << ", " << report.refused.size() << " refused\n";
}

int from_environment(const char* name, int otherwise) {
  const char* text = std::getenv(name);
  return text ? std::max(1, std::atoi(text)) : otherwise;
}
int rounds() { return from_environment("ALLOCATION_POWER_LOSS_ROUNDS", 1); }
// Every how many events the power fails: 1, all of them; more under the sanitizers, whose
// child processes start and run several times slower.
int every() { return from_environment("ALLOCATION_POWER_LOSS_EVERY", 1); }

// A count the child gave at the end of a run with the power on ("NAME=N").
long count_of(const std::string& counts, const std::string& name) {
  return std::stol(counts.substr(counts.find(name + '=') + name.size() + 1));
}

// Where the power fails, as the child takes it: "N", before the Nth write, sync or truncation,
// or "database-sync-N", before the Nth sync of the database. Every every()th event, and when
// that is not all of them, each sync of the database too: those are a checkpoint's, a dozen in
// hundreds of events, and a stride can step over all of them.
std::vector<std::string> crash_points(const std::string& counts) {
  std::vector<std::string> points;
  for (long at = 1; at <= count_of(counts, "events"); at += every())
    points.push_back(std::to_string(at));
  if (every() > 1) {
    for (long at = 1; at <= count_of(counts, "database_syncs"); ++at)
      points.push_back("database-sync-" + std::to_string(at));
  }
  return points;
}

// The power fails before each write, sync and truncation of the log, the database (a
// checkpoint's) and the journal, once dropping what was not synced, once keeping part of it with
// the last sector torn. Each round draws other torn writes, and the threads meet differently.
TEST_F(SqlitePowerLoss, EveryAcknowledgedChangeSurvivesAndNothingIsHalfDone) {
  std::map<std::string, int> crashes;  // by "FILE OPERATION LOSS"
  int runs = 0, violations = 0;
  for (int round = 0; round < rounds() && violations < 5; ++round) {
    const auto [first, power_on] = run_child("0", PowerLoss::dropped, 1);
    ASSERT_EQ(power_on.exit_code, 0) << last_command_ << power_on.output;
    const std::vector<std::string> points = crash_points(power_on.done);
    for (std::size_t point = 0; point < points.size() && violations < 5; ++point) {
      for (const PowerLoss loss : {PowerLoss::dropped, PowerLoss::torn}) {
        const std::uint64_t seed = static_cast<std::uint64_t>(round) * 1'000'000 + point + 1;
        const std::string& crash_at = points[point];
        const auto [database, report] = run_child(crash_at, loss, seed);
        ++runs;
        // A run may be shorter than the first (threads meet differently): the power stayed on.
        if (report.exit_code != kPowerLossExit) {
          ASSERT_EQ(report.exit_code, 0) << last_command_ << report.output;
          ++crashes["none"];
        } else {
          ++crashes[report.crash.substr(report.crash.find(' ') + 1)];
        }
        const auto found = Survivors(database, report).violations();
        if (!found.empty()) {
          ++violations;
          ADD_FAILURE() << "after: " << last_command_ << "crash " << report.crash << "\n"
                        << joined(found);
        }
        fs::remove_all(fs::path(database).parent_path());
      }
    }
  }
  std::cout << runs << " power losses in " << rounds() << " round(s):";
  for (const auto& [where, n] : crashes) {
    if (where == "none")
      std::cout << "\n  " << n << " runs ended before their point";
    else
      std::cout << "\n  " << n << " before a " << where;
  }
  std::cout << "\n";
  for (const char* file : {"log", "database"}) {
    for (const char* operation : {"write", "sync"}) {
      int n = 0;
      for (const auto& [where, count] : crashes)
        if (where.starts_with(std::string(file) + " " + operation)) n += count;
      EXPECT_GT(n, 0) << "no power loss before a " << file << " " << operation;
    }
  }
}

}  // namespace
}  // namespace allocation::testing
