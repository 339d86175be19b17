// What the service prints for its operator: no secret in it, one line per event.
#include <signal.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <thread>

#include "e2e/e2e_test.hpp"
#include "e2e/redis_server.hpp"

namespace allocation::testing {
namespace {

// `url` with `password` as its user's password. The test PostgreSQL trusts loopback
// connections: any password is let in.
std::string with_password(const std::string& url, const std::string& password) {
  static const std::regex userinfo(R"(://([^:@/]+)(:[^@/]*)?@)");
  return std::regex_replace(url, userinfo, "://$1:" + password + "@",
                            std::regex_constants::format_first_only);
}

// Waits up to 10 s for `text` in what `process` logs.
bool logs_within_10s(const ServiceProcess& process, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (process.log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string body(const httplib::Result& result) { return result ? result->body : "no answer"; }

TEST(Secrets, NoPasswordInWhatServeAndWorkerPrintOrAnswer) {
  ScratchDatabase db(Backend::postgresql);
  SKIP_UNLESS_AVAILABLE(db);
  const std::string password = "s3cret-" + std::to_string(::getpid());
  RedisServer redis({"--requirepass", password});
  const std::string db_url = with_password(db.url(), password);
  const std::string broker = "redis://:" + password + "@" + redis.url().substr(8);
  const std::vector<std::string> config = {"--db", db_url, "--redis", broker};
  ::setenv("ALLOCATION_LOG_LEVEL", "trace", 1);  // everything they may log

  ServiceProcess serve(config);
  ServiceProcess worker(config, ServiceProcess::Subcommand::worker);
  ::unsetenv("ALLOCATION_LOG_LEVEL");
  auto client = serve.client();
  std::string answers;
  for (const auto& [path, payload] : std::vector<std::pair<std::string, json>>{
           {"/add_batch", {{"ref", "b1"}, {"sku", "LAMP"}, {"qty", 1}}},
           {"/allocate", {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 1}}},
           {"/allocate", {{"orderid", "o2"}, {"sku", "LAMP"}, {"qty", 1}}}}) {
    answers += body(client.Post(path, payload.dump(), "application/json"));
  }
  answers += body(client.Get("/health")) + body(client.Get("/metrics"));
  // Both logged in with the URL's password.
  EXPECT_TRUE(logs_within_10s(serve, "consuming Redis channel")) << serve.log();
  EXPECT_TRUE(logs_within_10s(worker, "consuming Redis channel")) << worker.log();
  serve.signal(SIGTERM);
  worker.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
  EXPECT_EQ(worker.wait(), 0);

  // What a mistake in the configuration prints.
  std::string errors;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"serve", "--port", "0", "--db", db_url, "--redis", broker + "x"},
           {"serve", "--port", "0", "--db", db_url, "--smtp",
            "smtps://mail:" + password + "@localhost"}}) {
    const auto r = run_allocation(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    errors += r.out + r.err;
  }

  const std::string everything =
      serve.output() + serve.log() + worker.output() + worker.log() + answers + errors;
  EXPECT_EQ(everything.find(password), std::string::npos) << everything;
  // The URLs are still named, without the password.
  EXPECT_NE(serve.log().find("(database postgresql://allocation:***@"), std::string::npos)
      << serve.log();
  EXPECT_NE(worker.log().find("publishing on redis://:***@127.0.0.1:"), std::string::npos)
      << worker.log();
}

TEST(Logging, PostgresqlNoticesGoToTheLogAtDebugLevel) {
  ScratchDatabase db(Backend::postgresql);
  SKIP_UNLESS_AVAILABLE(db);
  ASSERT_EQ(run_allocation({"migrate", "--db", db.url()}).exit_code, 0);
  // Migrating again: CREATE TABLE IF NOT EXISTS schema_migrations finds it, and says so.
  const auto quiet = run_allocation({"migrate", "--db", db.url()});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err, "");
  const auto debug = run_allocation({"--log-level", "debug", "migrate", "--db", db.url()});
  EXPECT_EQ(debug.exit_code, 0);
  EXPECT_NE(debug.err.find("[debug] PostgreSQL NOTICE:  relation \"schema_migrations\" already "
                           "exists, skipping\n"),
            std::string::npos)
      << debug.err;
  std::istringstream lines(debug.err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.starts_with("[")) << "not a log line: " << line;
  }
}

}  // namespace
}  // namespace allocation::testing
