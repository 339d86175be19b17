// What the service prints for its operator: no secret in it, one line per event.
#include <signal.h>
#include <unistd.h>

#include <regex>
#include <set>
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

// What `process` logged, one JSON object per line; fails the test on a line that is not one.
std::vector<json> json_log(const ServiceProcess& process) {
  std::vector<json> lines;
  std::istringstream log(process.log());
  for (std::string line; std::getline(log, line);) {
    json parsed = json::parse(line, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON line: " << line;
    if (parsed.is_object()) lines.push_back(std::move(parsed));
  }
  return lines;
}

// The lines of `lines` whose request_id is `id`.
std::vector<json> lines_of_request(const std::vector<json>& lines, const std::string& id) {
  std::vector<json> found;
  for (const json& line : lines) {
    if (line.value("request_id", "") == id) found.push_back(line);
  }
  return found;
}

httplib::Headers request_id(const std::string& id) { return {{"X-Request-Id", id}}; }

std::string answered_id(const httplib::Result& result) {
  return result ? result->get_header_value("X-Request-Id") : "no answer";
}

TEST(RequestLog, EveryJsonLineOfARequestCarriesItsIdAndTheStockChangeNamesItsIds) {
  ScratchDatabase db(Backend::sqlite);
  ServiceProcess serve({"--db", db.url(), "--log-format", "json"});
  auto client = serve.client();
  const auto add = client.Post("/add_batch", request_id("add-1"),
                               R"({"ref": "b1", "sku": "LAMP", "qty": 10})", "application/json");
  EXPECT_EQ(answered_id(add), "add-1");
  const auto allocate =
      client.Post("/allocate", request_id("alloc-1"),
                  R"({"orderid": "o1", "sku": "LAMP", "qty": 3})", "application/json");
  ASSERT_TRUE(allocate);
  EXPECT_EQ(allocate->status, 202);
  EXPECT_EQ(answered_id(allocate), "alloc-1");
  const auto cancel = client.Post("/orders/o1/cancel", request_id("cancel-1"), "", "");
  EXPECT_EQ(answered_id(cancel), "cancel-1");
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);

  const auto lines = json_log(serve);
  for (const json& line : lines) {
    EXPECT_TRUE(line.contains("time") && line.contains("level") && line.contains("message"))
        << line;
  }
  // The stock change, then the request, each with the request's id.
  const auto allocation = lines_of_request(lines, "alloc-1");
  ASSERT_EQ(allocation.size(), 2u) << serve.log();
  EXPECT_EQ(allocation[0]["message"], "allocated order o1: 3 x LAMP from batch b1");
  EXPECT_EQ(allocation[0]["event"], "allocated");
  EXPECT_EQ(allocation[0]["orderid"], "o1");
  EXPECT_EQ(allocation[0]["sku"], "LAMP");
  EXPECT_EQ(allocation[0]["batchref"], "b1");
  EXPECT_EQ(allocation[1]["level"], "info");
  EXPECT_EQ(allocation[1]["method"], "POST");
  EXPECT_EQ(allocation[1]["path"], "/allocate");
  EXPECT_EQ(allocation[1]["status"], 202);
  EXPECT_TRUE(allocation[1]["ms"].is_number()) << allocation[1];
  const auto cancelling = lines_of_request(lines, "cancel-1");
  ASSERT_EQ(cancelling.size(), 2u) << serve.log();
  EXPECT_EQ(cancelling[0]["message"], "released order o1: 3 x LAMP from batch b1");
  EXPECT_EQ(cancelling[1]["status"], 200);
  EXPECT_EQ(lines_of_request(lines, "add-1").front()["message"], "received batch b1: 10 x LAMP");
}

TEST(RequestLog, ARequestWithoutAUsableIdGetsOneOfTheServicesOwn) {
  ScratchDatabase db(Backend::sqlite);
  ServiceProcess serve({"--db", db.url(), "--log-format", "json"});
  auto client = serve.client();
  std::vector<std::string> ids;
  ids.push_back(answered_id(client.Get("/health")));
  for (const std::string& unusable :
       {std::string("has space"), std::string(129, 'x'), std::string("caf\xc3\xa9")}) {
    const std::string id = answered_id(client.Get("/health", request_id(unusable)));
    EXPECT_NE(id, unusable);
    ids.push_back(id);
  }
  // Refused before any route: the id is there too.
  ids.push_back(answered_id(client.Get("/no/such/route")));
  ids.push_back(answered_id(client.Post("/allocate", "{", "application/json")));
  const std::string longest(128, 'x');
  EXPECT_EQ(answered_id(client.Get("/health", request_id(longest))), longest);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);

  static const std::regex made(R"([0-9a-f]{16})");
  const auto lines = json_log(serve);
  for (const std::string& id : ids) {
    EXPECT_TRUE(std::regex_match(id, made)) << id;
    EXPECT_EQ(lines_of_request(lines, id).size(), 1u) << id << " in " << serve.log();
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(RequestLog, TextLinesEndWithTheRequestId) {
  ScratchDatabase db(Backend::sqlite);
  ServiceProcess serve({"--db", db.url()});
  auto client = serve.client();
  client.Post("/add_batch", R"({"ref": "b1", "sku": "LAMP", "qty": 1})", "application/json");
  client.Post("/allocate", request_id("alloc-2"), R"({"orderid": "o1", "sku": "LAMP", "qty": 1})",
              "application/json");
  client.Post("/allocate", request_id("alloc-3"), R"({"orderid": "o2", "sku": "LAMP", "qty": 1})",
              "application/json");
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
  const std::string log = serve.log();
  for (const char* line : {"[info] allocated order o1: 1 x LAMP from batch b1 request_id=alloc-2\n",
                           "[info] POST /allocate 202 ",
                           "[warning] notification: Out of stock for LAMP request_id=alloc-3\n",
                           "[info] out of stock: LAMP request_id=alloc-3\n"}) {
    EXPECT_NE(log.find(line), std::string::npos) << line << " not in:\n" << log;
  }
  static const std::regex request_line(
      R"(\[info\] POST /allocate 202 [0-9]+\.[0-9]{2} ms request_id=alloc-2\n)");
  EXPECT_TRUE(std::regex_search(log, request_line)) << log;
}

TEST(RequestLog, AMessageFromTheBrokerLendsItsIdToTheLinesItCauses) {
  ScratchDatabase db(Backend::sqlite);
  RedisServer redis;
  ServiceProcess serve({"--db", db.url(), "--redis", redis.url(), "--log-format", "json"});
  auto client = serve.client();
  client.Post("/add_batch", R"({"ref": "b1", "sku": "LAMP", "qty": 10})", "application/json");
  publish_until_received(redis.address(), "change_batch_quantity",
                         R"({"batchref": "b1", "qty": 4, "message_id": "m-1"})");
  ASSERT_TRUE(logs_within_10s(serve, "adjusted batch b1")) << serve.log();
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
  bool adjusted = false;
  for (const json& line : json_log(serve)) {
    if (line.value("event", "") != "batch_quantity_changed") continue;
    adjusted = true;
    EXPECT_EQ(line["message_id"], "m-1") << line;
    EXPECT_EQ(line["message"], "adjusted batch b1 of LAMP: 10 -> 4");
  }
  EXPECT_TRUE(adjusted) << serve.log();
}

}  // namespace
}  // namespace allocation::testing
