#include <signal.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include "e2e/e2e_test.hpp"
#include "support/mail_log.hpp"
#include "support/test_servers.hpp"

namespace allocation::testing {
namespace {

class Lifecycle : public EndToEnd {
 protected:
  // Every acknowledged allocation is there, read by a fresh process on the same database.
  void expect_all_present(const std::vector<std::string>& acknowledged) {
    ServiceProcess again({"--db", scratch.url()});
    auto client = again.client();
    for (const auto& orderid : acknowledged) {
      auto result = client.Get("/allocations/" + orderid);
      ASSERT_TRUE(result);
      EXPECT_EQ(result->status, 200) << orderid << " was acknowledged and is gone";
    }
  }
};

TEST_P(Lifecycle, SigtermFinishesRequestsInFlightAndExitsZero) {
  add_batch("b1", "LAMP", 1'000'000, nullptr);
  const auto [load, exit_code] = load_until_signal(
      *service, SIGTERM, std::chrono::milliseconds(300), std::chrono::milliseconds(500));
  const auto& [attempted, acknowledged, others] = load;
  EXPECT_TRUE(others.empty()) << "an answer other than 202 under load";
  EXPECT_EQ(exit_code, 0) << service->log();
  EXPECT_GT(acknowledged.size(), 10u);
  expect_all_present(acknowledged);
}

TEST_P(Lifecycle, AnAcknowledgedAllocationSurvivesKillMinus9) {
  add_batch("b1", "LAMP", 1'000'000, nullptr);
  const auto [load, exit_code] =
      load_until_signal(*service, SIGKILL, std::chrono::milliseconds(300));
  const auto& [attempted, acknowledged, others] = load;
  EXPECT_TRUE(others.empty()) << "an answer other than 202 under load";
  EXPECT_GT(acknowledged.size(), 10u);
  expect_all_present(acknowledged);
}

INSTANTIATE_TEST_SUITE_P(Databases, Lifecycle,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_test_name);

// Exactly one line on stderr, and a non-zero exit.
void expect_one_clear_line(const RunResult& r, const std::string& part) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
}

TEST(Configuration, MalformedDatabaseUrlIsOneClearLine) {
  expect_one_clear_line(run_allocation({"serve", "--port", "0", "--db", "mysql://localhost/x"}),
                        "malformed database URL");
  expect_one_clear_line(
      run_allocation({"serve", "--port", "0", "--db", "postgresql://host-without-database"}),
      "no database name");
}

// Port 0: the default port may be another test's, and listening comes before the database.
TEST(Configuration, UnreachableDatabaseIsOneClearLine) {
  expect_one_clear_line(
      run_allocation({"serve", "--port", "0", "--db", "postgresql://u:p@127.0.0.1:1/none"}),
      "cannot open database");
  expect_one_clear_line(
      run_allocation({"serve", "--port", "0", "--db", "sqlite:/no/such/folder/a.db"}),
      "cannot open database");
}

// The error names the database without its password, which would end up in logs.
TEST(Configuration, ADatabaseErrorShowsNoPassword) {
  for (const char* url :
       {"postgresql://u:s3cret@127.0.0.1:1/none", "postgresql://u@127.0.0.1:1/none?password=s3cret",
        "postgresql://u:s3cret@host-without-database"}) {
    const auto r = run_allocation({"serve", "--port", "0", "--db", url});
    EXPECT_EQ(r.exit_code, 1) << url;
    EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("***"), std::string::npos) << r.err;
  }
}

// The line gives the system's reason, and the port is tried before the database is touched: a
// new database file is neither created nor migrated.
TEST(Configuration, PortInUseIsOneClearLineAndTouchesNoDatabase) {
  ScratchDatabase db(Backend::sqlite), untouched(Backend::sqlite);
  ServiceProcess first({"--db", db.url()});
  const std::string port = std::to_string(first.port());
  expect_one_clear_line(run_allocation({"serve", "--db", untouched.url(), "--port", port}),
                        "cannot listen on 127.0.0.1:" + port + ": Address already in use");
  EXPECT_FALSE(std::filesystem::exists(untouched.url().substr(7)));
}

TEST(Configuration, FlagWinsOverEnvironmentWhichWinsOverDefault) {
  ScratchDatabase from_env(Backend::sqlite), from_flag(Backend::sqlite);
  const auto path = [](const ScratchDatabase& db) { return db.url().substr(7); };
  ::setenv("ALLOCATION_DB", from_env.url().c_str(), 1);
  EXPECT_EQ(run_allocation({"migrate"}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(path(from_env)));
  EXPECT_EQ(run_allocation({"migrate", "--db", from_flag.url()}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(path(from_flag)));
  ::unsetenv("ALLOCATION_DB");
}

TEST(Configuration, ServesOnTheEmbeddedDefaultWithNoConfiguration) {
  const auto folder =
      std::filesystem::temp_directory_path() / ("alloc-default-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(folder);
  {
    ServiceProcess service({});
    auto result = service.client().Get("/health");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_NE(service.log().find("sqlite:allocation.db"), std::string::npos) << service.log();
  }
  EXPECT_TRUE(std::filesystem::exists(folder / "allocation.db"));
  std::filesystem::current_path(previous);
  std::filesystem::remove_all(folder);
}

// The one-shot commands open one connection: a command's units of work never need two at once.
class CommandLineOnEachDatabase : public ::testing::TestWithParam<Backend> {};

TEST_P(CommandLineOnEachDatabase, OperatorCommandsWorkOnOneDatabase) {
  ScratchDatabase db(GetParam());
  SKIP_UNLESS_AVAILABLE(db);
  const std::vector<std::string> on = {"--db", db.url()};
  auto with_db = [&](std::vector<std::string> args) {
    args.insert(args.end(), on.begin(), on.end());
    return run_allocation(args);
  };
  EXPECT_EQ(with_db({"migrate"}).out, "schema at version 19\n");
  EXPECT_EQ(with_db({"add-batch", "--ref", "wh", "--sku", "LAMP", "--qty", "5"}).exit_code, 0);
  EXPECT_EQ(
      with_db({"add-batch", "--ref", "ship", "--sku", "LAMP", "--qty", "8", "--eta", "2031-01-01"})
          .exit_code,
      0);
  EXPECT_EQ(with_db({"allocate", "--orderid", "o1", "--sku", "LAMP", "--qty", "4"}).out, "wh\n");
  EXPECT_EQ(with_db({"allocate", "--orderid", "o2", "--sku", "LAMP", "--qty", "4"}).out, "ship\n");
  EXPECT_EQ(with_db({"allocate", "--orderid", "o3", "--sku", "LAMP", "--qty", "5"}).out,
            "out of stock\n");
  EXPECT_EQ(with_db({"allocations", "o1"}).out, "LAMP wh\n");
  EXPECT_EQ(with_db({"change-batch-quantity", "--ref", "wh", "--qty", "0"}).exit_code, 0);
  EXPECT_EQ(with_db({"allocations", "o1"}).out, "LAMP ship\n");

  expect_one_clear_line(with_db({"allocate", "--orderid", "o9", "--sku", "NOPE", "--qty", "1"}),
                        "Invalid sku NOPE");
  expect_one_clear_line(
      with_db({"allocate", "--orderid", "o1", "--sku", "LAMP", "--qty", "3"}),
      "order o1 already has 4 of LAMP; allocating it again must ask for the same qty");
  EXPECT_EQ(with_db({"allocations", "o1"}).out, "LAMP ship\n");
  expect_one_clear_line(with_db({"allocations", "o9"}), "no allocation for order o9");
  expect_one_clear_line(with_db({"add-batch", "--ref", "wh", "--sku", "LAMP", "--qty", "7"}),
                        "already exists");
  expect_one_clear_line(with_db({"change-batch-quantity", "--ref", "zz", "--qty", "1"}),
                        "Unknown batch zz");
}

// Holds (SPEC §7.3) from the command line: reserve, extend, release, allocate --reservation.
TEST_P(CommandLineOnEachDatabase, HoldCommandsWorkOnOneDatabase) {
  ScratchDatabase db(GetParam());
  SKIP_UNLESS_AVAILABLE(db);
  auto with_db = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--db", db.url()});
    return run_allocation(args);
  };
  // "<id> <batch> <expires_at>": the time RFC 3339 UTC with milliseconds.
  const std::regex hold_line(R"((\S+) (\S+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\n)");
  std::smatch parts;
  ASSERT_EQ(with_db({"add-batch", "--ref", "b1", "--sku", "LAMP", "--qty", "5"}).exit_code, 0);
  ASSERT_EQ(with_db({"add-batch", "--ref", "b2", "--sku", "LAMP", "--qty", "10"}).exit_code, 0);

  const auto held = with_db({"reserve", "--sku", "LAMP", "--qty", "3", "--id", "h1"});
  EXPECT_EQ(held.exit_code, 0) << held.err;
  ASSERT_TRUE(std::regex_match(held.out, parts, hold_line)) << held.out;
  EXPECT_EQ(parts[1], "h1");
  EXPECT_EQ(parts[2], "b1");
  const std::string first_expiry = parts[3];
  const auto again = with_db({"reserve", "--sku", "LAMP", "--qty", "3", "--id", "h1"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, held.out) << "the same hold, its expiry not pushed";
  expect_one_clear_line(with_db({"reserve", "--sku", "LAMP", "--qty", "4", "--id", "h1"}),
                        "reservation h1 exists with another qty or ttl_s");
  expect_one_clear_line(with_db({"reserve", "--sku", "LAMP", "--qty", "13"}),
                        "no batch of LAMP can hold 13");
  expect_one_clear_line(with_db({"reserve", "--sku", "NOPE", "--qty", "1"}), "Invalid sku NOPE");

  const auto made = with_db({"reserve", "--sku", "LAMP", "--qty", "2", "--ttl", "60"});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  ASSERT_TRUE(std::regex_match(made.out, parts, hold_line)) << made.out;
  const std::string made_id = parts[1];
  EXPECT_NE(made_id, "h1");
  EXPECT_EQ(parts[2], "b1");

  const auto extended = with_db({"extend", "h1", "--ttl", "3600"});
  EXPECT_EQ(extended.exit_code, 0) << extended.err;
  ASSERT_TRUE(std::regex_match(extended.out, parts, hold_line)) << extended.out;
  EXPECT_EQ(parts[1], "h1");
  EXPECT_GT(std::string(parts[3]), first_expiry) << "an hour is after 15 minutes";
  expect_one_clear_line(with_db({"extend", "nope", "--ttl", "60"}), "no reservation nope");

  // b1 is all held: without h1 the line would go to b2.
  EXPECT_EQ(
      with_db({"allocate", "--orderid", "o1", "--sku", "LAMP", "--qty", "3", "--reservation", "h1"})
          .out,
      "b1\n");
  expect_one_clear_line(with_db({"release", "h1"}), "reservation h1 was used by an allocation");
  expect_one_clear_line(with_db({"reserve", "--sku", "LAMP", "--qty", "3", "--id", "h1"}),
                        "reservation h1 was released or used");
  expect_one_clear_line(with_db({"allocate", "--orderid", "o2", "--sku", "LAMP", "--qty", "1",
                                 "--reservation", "h1"}),
                        "reservation h1 was used by an allocation");

  const auto released = with_db({"release", made_id});
  EXPECT_EQ(released.exit_code, 0) << released.err;
  EXPECT_EQ(released.out, "released 2 of LAMP from batch b1\n");
  expect_one_clear_line(with_db({"release", made_id}), "reservation " + made_id + " was released");
  expect_one_clear_line(with_db({"extend", made_id, "--ttl", "60"}),
                        "reservation " + made_id + " was released");

  const auto verified = with_db({"verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// Warehouses and expiry dates (SPEC §6) from the command line.
TEST_P(CommandLineOnEachDatabase, WarehouseCommandsWorkOnOneDatabase) {
  ScratchDatabase db(GetParam());
  SKIP_UNLESS_AVAILABLE(db);
  auto with_db = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--db", db.url()});
    return run_allocation(args);
  };
  EXPECT_EQ(with_db({"add-batch", "--ref", "main-1", "--sku", "MILK", "--qty", "5"}).exit_code, 0);
  EXPECT_EQ(with_db({"add-batch", "--ref", "east-1", "--sku", "MILK", "--qty", "5", "--warehouse",
                     "east", "--expires", "2999-01-01"})
                .exit_code,
            0);
  EXPECT_EQ(with_db({"add-batch", "--ref", "spoiled", "--sku", "MILK", "--qty", "50", "--warehouse",
                     "east", "--expires", "2001-01-01"})
                .exit_code,
            0);
  EXPECT_EQ(with_db({"warehouses"}).out, "east 100 (default)\nmain 100 (default)\n");
  EXPECT_EQ(with_db({"set-warehouse-priority", "east", "--priority", "-4"}).out,
            "warehouse east at priority -4\n");
  EXPECT_EQ(with_db({"warehouses"}).out, "east -4\nmain 100 (default)\n");
  EXPECT_EQ(with_db({"allocate", "--orderid", "o1", "--sku", "MILK", "--qty", "2"}).out,
            "east-1\n");
  EXPECT_EQ(
      with_db({"allocate", "--orderid", "o2", "--sku", "MILK", "--qty", "2", "--warehouse", "main"})
          .out,
      "main-1\n");
  // The spoiled 50 are never taken.
  EXPECT_EQ(with_db({"allocate", "--orderid", "o3", "--sku", "MILK", "--qty", "7"}).out,
            "out of stock\n");

  // Refused before anything runs (the usage errors below): nothing changed.
  const auto too_high = with_db({"set-warehouse-priority", "east", "--priority", "2147483648"});
  EXPECT_EQ(too_high.exit_code, 2);
  EXPECT_NE(too_high.err.find("2147483648 is out of range; give -2147483648 to 2147483647"),
            std::string::npos)
      << too_high.err;
  EXPECT_EQ(with_db({"warehouses"}).out, "east -4\nmain 100 (default)\n");
}

INSTANTIATE_TEST_SUITE_P(Databases, CommandLineOnEachDatabase,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_test_name);

TEST(CommandLine, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"allocate", "--sku", "LAMP", "--qty", "1"},
           {"allocate", "--orderid", "o", "--sku", "L", "--qty", "0"},
           {"allocate", "--orderid", "o", "--sku", "L", "--qty", "x"},
           {"add-batch", "--ref", "b", "--sku", "L", "--qty", "1", "--eta", "2030-02-30"},
           {"add-batch", "--ref", "", "--sku", "L", "--qty", "1"},
           {"serve", "--port", "70000"},
           {"serve", "--read-cache-ttl", "-1"},
           {"serve", "--read-cache-ttl", "soon"},
           {"serve", "--read-cache-orders", "0"},
           {"worker"},
           {"help", "frobnicate"},
           {"allocate", "--orderid", "o", "--sku", "L", "--qty", "1", "--redis", "redis://h:1"},
           {"migrate", "--smtp", "smtp://h:1"},
           {"reserve", "--qty", "1"},
           {"reserve", "--sku", "L"},
           {"reserve", "--sku", "L", "--qty", "0"},
           {"reserve", "--sku", "L", "--qty", "1", "--ttl", "0"},
           {"reserve", "--sku", "L", "--qty", "1", "--ttl", "86401"},
           {"reserve", "--sku", "L", "--qty", "1", "--ttl", "soon"},
           {"reserve", "--sku", "L", "--qty", "1", "--id", ""},
           {"reserve", "--sku", "L", "--qty", "1", "--id", std::string(256, 'h')},
           {"reserve", "--sku", "L", "--qty", "1", "--smtp", "smtp://h:1"},
           {"extend", "h1"},
           {"extend", "--ttl", "60"},
           {"extend", "h1", "--ttl", "0"},
           {"extend", "h1", "--ttl", "1.5"},
           {"release"},
           {"release", ""},
           {"allocate", "--orderid", "o", "--sku", "L", "--qty", "1", "--reservation", ""},
           {"allocate", "--orderid", "o", "--sku", "L", "--qty", "1", "--warehouse", ""},
           {"add-batch", "--ref", "b", "--sku", "L", "--qty", "1", "--expires", "2031-02-30"},
           {"add-batch", "--ref", "b", "--sku", "L", "--qty", "1", "--expires", "soon"},
           {"add-batch", "--ref", "b", "--sku", "L", "--qty", "1", "--warehouse", ""},
           {"add-batch", "--ref", "b", "--sku", "L", "--qty", "1", "--warehouse",
            std::string(256, 'w')},
           {"set-warehouse-priority", "east"},
           {"set-warehouse-priority", "--priority", "1"},
           {"set-warehouse-priority", "east", "--priority", "-2147483649"},
           {"set-warehouse-priority", "east", "--priority", "1.5"},
           {"set-warehouse-priority", "", "--priority", "1"},
           {"warehouses", "extra"}}) {
    const auto r = run_allocation(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.err;
    EXPECT_FALSE(r.err.empty());
  }
}

TEST(CommandLine, EverySubcommandHasHelp) {
  for (const char* command :
       {"serve", "migrate", "add-batch", "allocate", "allocations", "change-batch-quantity",
        "reserve", "extend", "release", "set-warehouse-priority", "warehouses"}) {
    const auto r = run_allocation({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find("--db"), std::string::npos) << command << r.out;
  }
  const auto top = run_allocation({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("serve"), std::string::npos);
}

// The text of `--help`'s entry for `option`: its line and the description under it.
std::string help_entry(const std::string& help, const std::string& option) {
  const auto start = help.find("\n  " + option + " ");
  if (start == std::string::npos) return "";
  const auto description_end = help.find('\n', help.find('\n', start + 1) + 1);
  return help.substr(start + 1, description_end - start - 1);
}

TEST(CommandLine, GlobalFlagsWorkAfterTheSubcommandToo) {
  ScratchDatabase db(Backend::sqlite);
  // A SKU is told out of stock once until it is back: each run takes a SKU of its own.
  const auto out_of_stock = [&](const std::string& sku) {
    EXPECT_EQ(run_allocation(
                  {"add-batch", "--ref", sku + "-b1", "--sku", sku, "--qty", "1", "--db", db.url()})
                  .exit_code,
              0);
    return std::vector<std::string>{"allocate", "--orderid", "o1",   "--sku", sku,
                                    "--qty",    "2",         "--db", db.url()};
  };
  auto args = out_of_stock("LAMP");
  args.insert(args.end(), {"--log-level", "error"});  // the out-of-stock warning is not shown
  const auto quiet = run_allocation(args);
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
  const auto warned = run_allocation(out_of_stock("DESK"));
  EXPECT_NE(warned.err.find("[warning] notification: Out of stock for DESK"), std::string::npos)
      << warned.err;

  const auto bad = run_allocation({"migrate", "--db", db.url(), "--log-level", "loud"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--log-level"), std::string::npos) << bad.err;
}

TEST(CommandLine, LogLevelHelpNamesEveryLevelItTakes) {
  ScratchDatabase db(Backend::sqlite);
  const std::string entry = help_entry(run_allocation({"--help"}).out, "--log-level");
  const std::string description = entry.substr(entry.find('\n'));
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    EXPECT_EQ(run_allocation({"--log-level", level, "migrate", "--db", db.url()}).exit_code, 0)
        << level;
    EXPECT_NE(description.find(level), std::string::npos) << level << " not in: " << entry;
  }
}

TEST(CommandLine, LogFormatTakesTextOrJson) {
  ScratchDatabase db(Backend::sqlite);
  const std::string entry = help_entry(run_allocation({"--help"}).out, "--log-format");
  EXPECT_NE(entry.find("{text,json}=text"), std::string::npos) << entry;
  const auto bad = run_allocation({"--log-format", "yaml", "migrate", "--db", db.url()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(bad.err.starts_with("--log-format: yaml not in {text,json}\n")) << bad.err;
  // A warning of a one-shot command, as one JSON object.
  ASSERT_EQ(
      run_allocation({"add-batch", "--ref", "b1", "--sku", "LAMP", "--qty", "1", "--db", db.url()})
          .exit_code,
      0);
  const auto json_lines = run_allocation({"--log-format", "json", "allocate", "--orderid", "o1",
                                          "--sku", "LAMP", "--qty", "2", "--db", db.url()});
  EXPECT_EQ(json_lines.exit_code, 0) << json_lines.err;
  const json line = json::parse(json_lines.err, nullptr, false);
  EXPECT_EQ(line.value("level", ""), "warning") << json_lines.err;
  EXPECT_EQ(line.value("message", ""), "notification: Out of stock for LAMP") << json_lines.err;
}

TEST(CommandLine, AnUnknownSubcommandIsNamed) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"bogus"}, {"--log-level", "debug", "bogus", "--db", "sqlite:x.db"}}) {
    const auto r = run_allocation(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(r.err.starts_with("unknown subcommand 'bogus'\n")) << r.err;
  }
  const auto flag = run_allocation({"--bogus"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_TRUE(flag.err.starts_with("unknown option --bogus\n")) << flag.err;
  const auto option = run_allocation({"allocate", "--redis", "redis://h:1"});
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_TRUE(option.err.starts_with("allocate takes no option --redis\n")) << option.err;
}

TEST(CommandLine, HelpAsASubcommandPrintsTheHelp) {
  const auto top = run_allocation({"help"});
  EXPECT_EQ(top.exit_code, 0) << top.err;
  EXPECT_EQ(top.out, run_allocation({"--help"}).out);
  const auto serve = run_allocation({"help", "serve"});
  EXPECT_EQ(serve.exit_code, 0) << serve.err;
  EXPECT_EQ(serve.out, run_allocation({"serve", "--help"}).out);
}

TEST(CommandLine, VersionIsTheProjectVersion) {
  const auto r = run_allocation({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "allocation " ALLOCATION_VERSION "\n");
}

// The running service tells which build answers: GET /version and the metric
// allocation_build_info, with the version `--version` prints.
TEST(Version, TheServiceAnswersItsBuildAndShowsItInItsMetrics) {
  ScratchDatabase db{Backend::sqlite};
  ServiceProcess service({"--db", db.url()});
  auto client = service.client();
  const auto build = reply_of(client.Get("/version"));
  EXPECT_EQ(build.status, 200);
  EXPECT_EQ(build.body["version"], ALLOCATION_VERSION);
  EXPECT_FALSE(build.body["compiler"].get<std::string>().empty()) << build.text;
  EXPECT_FALSE(build.body["build_type"].get<std::string>().empty()) << build.text;
  const std::string metrics = client.Get("/metrics")->body;
  const std::string info = "allocation_build_info{version=\"" ALLOCATION_VERSION "\",compiler=\"" +
                           build.body["compiler"].get<std::string>() + "\",build_type=\"" +
                           build.body["build_type"].get<std::string>() + "\"} 1\n";
  EXPECT_NE(metrics.find(info), std::string::npos) << info << metrics;
}

// Each subcommand shows the flags it uses, and no other: a flag shown does what it says.
TEST(CommandLine, EachSubcommandTakesOnlyTheFlagsItUses) {
  const std::vector<std::string> long_running = {"--db-pool", "--redis", "--recovery-interval"};
  const std::vector<std::string> mail = {"--smtp", "--mail-from", "--mail-to"};
  const auto flags = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::vector<std::pair<std::string, std::vector<std::string>>> taken = {
      {"serve", flags(flags(long_running, mail), {"--port", "--read-cache-ttl"})},
      {"worker", flags(flags(long_running, mail), {"--metrics-port"})},
      {"allocate", mail},
      {"change-batch-quantity", mail},
      {"add-batch", {}},
      {"migrate", {}},
      {"allocations", {}}};
  for (const auto& [command, expected] : taken) {
    const std::string help = run_allocation({command, "--help"}).out;
    for (const auto& flag :
         flags(flags(long_running, mail), {"--port", "--read-cache-ttl", "--metrics-port"})) {
      const bool shown = !help_entry(help, flag).empty();
      EXPECT_EQ(shown, std::ranges::count(expected, flag) == 1) << command << " " << flag;
    }
  }
}

TEST(CommandLine, AnIntegerOptionSaysItWantsANumber) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"serve", "--port", "abc"}, "--port: 'abc' is not a whole number; give 0 to 65535"},
      {{"serve", "--port", "70000"}, "--port: 70000 is out of range; give 0 to 65535"},
      {{"serve", "--threads", "many"}, "--threads: 'many' is not a whole number; give 1 to 4096"},
      {{"serve", "--db-pool", "1.5"}, "--db-pool: '1.5' is not a whole number; give 1 to 1000"},
      {{"worker", "--redis", "redis://h:1", "--recovery-interval", "1m"},
       "--recovery-interval: '1m' is not a whole number; give 1 to 86400"},
      {{"worker", "--redis", "redis://h:1", "--metrics-port", "99999"},
       "--metrics-port: 99999 is out of range; give 0 to 65535"},
      {{"serve", "--read-cache-ttl", "soon"},
       "--read-cache-ttl: 'soon' is not a whole number; give 0 to 3600000"},
      {{"serve", "--read-cache-orders", ""},
       "--read-cache-orders: '' is not a whole number; give 1 to 10000000"},
      {{"add-batch", "--ref", "b", "--sku", "L", "--qty", "ten"},
       "--qty: 'ten' is not a whole number; give 0 to 2147483647"},
      {{"allocate", "--orderid", "o", "--sku", "L", "--qty", "99999999999"},
       "--qty: 99999999999 is out of range; give 1 to 2147483647"},
      {{"change-batch-quantity", "--ref", "b", "--qty", "-1"},
       "--qty: -1 is out of range; give 0 to 2147483647"}};
  for (const auto& [args, message] : cases) {
    const auto r = run_allocation(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_TRUE(r.err.starts_with(message + "\n")) << r.err;
  }
}

}  // namespace
}  // namespace allocation::testing

namespace allocation::testing {
namespace {

TEST(Notifications, OutOfStockFromTheCommandLineIsMailedBeforeItExits) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_SMTP");
  ScratchDatabase db(Backend::sqlite);
  const std::string sku = "SCARCE-" + std::to_string(::getpid());
  ASSERT_EQ(run_allocation(
                {"add-batch", "--ref", sku + "-b", "--sku", sku, "--qty", "1", "--db", db.url()})
                .exit_code,
            0);
  const auto r = run_allocation({"allocate", "--orderid", "o1", "--sku", sku, "--qty", "2", "--db",
                                 db.url(), "--smtp", std::getenv("ALLOCATION_TEST_SMTP")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "out of stock\n");
  const std::string log = std::getenv("ALLOCATION_TEST_SMTP_LOG");
  EXPECT_TRUE(mail_received(log, "Subject: Out of stock for " + sku)) << read_text(log);
}

TEST(Notifications, OutOfStockMailsTheStockTeamNamingTheSku) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_SMTP");
  const char* smtp = std::getenv("ALLOCATION_TEST_SMTP");
  ScratchDatabase db(Backend::sqlite);
  ServiceProcess service({"--db", db.url(), "--smtp", smtp, "--mail-to", "stock@example.com"});
  auto client = service.client();
  const std::string sku = "RARE-" + std::to_string(::getpid());
  const json batch = {{"ref", sku + "-b"}, {"sku", sku}, {"qty", 1}};
  ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);
  const json line = {{"orderid", "o1"}, {"sku", sku}, {"qty", 2}};
  auto result = client.Post("/allocate", line.dump(), "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 202);
  EXPECT_EQ(json::parse(result->body), (json{{"batchref", nullptr}}));

  const std::string log = std::getenv("ALLOCATION_TEST_SMTP_LOG");
  EXPECT_TRUE(mail_received(log, "Subject: Out of stock for " + sku)) << read_text(log);
}

TEST(Configuration, MalformedSmtpUrlIsOneClearLine) {
  ScratchDatabase db(Backend::sqlite);
  expect_one_clear_line(
      run_allocation({"serve", "--port", "0", "--db", db.url(), "--smtp", "mail.example.com"}),
      "malformed SMTP URL");
}

}  // namespace
}  // namespace allocation::testing
