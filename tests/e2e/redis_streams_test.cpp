#include <hiredis.h>
#include <signal.h>

#include <map>
#include <set>
#include <thread>

#include "allocation/adapters/redis/redis_connection.hpp"
#include "e2e/broker_consumers.hpp"
#include "e2e/e2e_test.hpp"
#include "e2e/redis_server.hpp"

namespace allocation::testing {
namespace {

using adapters::redis::RedisConnection;
using namespace std::chrono_literals;

// The messages kept in `stream`, oldest first.
std::vector<json> entries_of(RedisConnection& connection, const std::string& stream) {
  std::vector<json> messages;
  const auto entries = connection.command({"XRANGE", stream, "-", "+"});
  for (std::size_t e = 0; e < entries->elements; ++e) {
    const redisReply* fields = entries->element[e]->element[1];
    messages.push_back(json::parse(std::string(fields->element[1]->str, fields->element[1]->len)));
  }
  return messages;
}

// `--broker redis-streams://`: nothing sent on change_batch_quantity is lost while no consumer
// runs, each message is applied once however many consumers share the stream and however
// often it is delivered, and every outgoing message is kept in its stream. Each test has a
// Redis of its own.
class RedisStreams : public ::testing::Test {
 protected:
  std::string broker_url() const { return "redis-streams://" + redis.url().substr(8); }

  void send(int batch, int qty, const std::string& message_id) {
    connection.command(
        {"XADD", "change_batch_quantity", "*", "payload", change_message(batch, qty, message_id)});
  }

  long long pending() {
    return connection.command({"XPENDING", "change_batch_quantity", "allocation"})
        ->element[0]
        ->integer;
  }

  RedisServer redis;
  RedisConnection connection{redis.address()};
  ScratchDatabase db{Backend::sqlite};
};

TEST_F(RedisStreams, MessagesSentWhileNoConsumerRunsAreEachAppliedOnceWhenOneStarts) {
  add_batches(db.url(), 100);
  // Per batch: to 5, to 7, and the first message again (a producer's retry). Applied again, it
  // would take the batch back to 5.
  for (int i = 0; i < 100; ++i) {
    send(i, 5, "first-" + std::to_string(i));
    send(i, 7, "second-" + std::to_string(i));
    send(i, 5, "first-" + std::to_string(i));
  }
  ServiceProcess service({"--db", db.url(), "--broker", broker_url()});
  ASSERT_TRUE(handled_within_30s([&] { return service.log(); }, 200, 100)) << service.log();
  const std::string log = service.log();
  EXPECT_EQ(applied_in(log), 200);
  EXPECT_EQ(dropped_in(log), 100);
  EXPECT_EQ(pending(), 0);
  auto client = service.client();
  for (int i = 0; i < 100; ++i) {
    const auto product = reply_of(client.Get("/products/S" + std::to_string(i)));
    EXPECT_EQ(product.body["on_hand"], 7) << i;
  }
  const std::string metrics = client.Get("/metrics")->body;
  for (const char* line :
       {"allocation_broker_deliveries_total 300\n", "allocation_broker_applied_total 200\n",
        "allocation_broker_duplicates_total 100\n", "allocation_broker_dead_letters_total 0\n",
        "allocation_broker_consumer_connected 1\n", "allocation_broker_consumer_lag "}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << metrics;
  }
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait(), 0);
  expect_ledger_verified(db.url());
}

TEST_F(RedisStreams, EachAllocationIsKeptInTheLineAllocatedStream) {
  ServiceProcess service({"--db", db.url(), "--broker", broker_url()});
  auto client = service.client();
  ASSERT_EQ(
      client.Post("/add_batch", R"({"ref": "b1", "sku": "LAMP", "qty": 10})", "application/json")
          ->status,
      201);
  for (const char* order : {"o1", "o2"}) {
    const json line = {{"orderid", order}, {"sku", "LAMP"}, {"qty", 1}};
    ASSERT_EQ(client.Post("/allocate", line.dump(), "application/json")->status, 202);
  }
  // No consumer listened: the stream kept them, in order.
  std::vector<std::string> orders;
  for (int i = 0; i < 100 && orders.size() < 2; ++i) {
    orders.clear();
    for (const json& message : entries_of(connection, "line_allocated")) {
      orders.push_back(message["orderid"]);
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(orders, (std::vector<std::string>{"o1", "o2"}));
  std::string metrics;  // counted just after Redis answered, so perhaps after XRANGE saw them
  for (int i = 0;
       i < 50 && metrics.find("allocation_broker_published_total 2\n") == std::string::npos;
       ++i, std::this_thread::sleep_for(20ms)) {
    metrics = client.Get("/metrics")->body;
  }
  EXPECT_NE(metrics.find("allocation_broker_published_total 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("allocation_broker_publisher_connected 1\n"), std::string::npos)
      << metrics;
}

// Three workers share the stream, and one of them is killed (SIGKILL) midway, perhaps between
// applying a message and acknowledging it: its messages are claimed by the others, and every
// message is applied exactly once all the same.
TEST_F(RedisStreams, ThreeWorkersApplyEachMessageOnceThoughOneIsKilled) {
  add_batches(db.url(), 300);
  const std::vector<std::string> config = {"--db",       db.url(),        "--broker",
                                           broker_url(), "--claim-after", "1"};
  std::vector<std::unique_ptr<ServiceProcess>> workers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(std::make_unique<ServiceProcess>(config, ServiceProcess::Subcommand::worker));
  }
  const auto logs = [&] {
    std::string all;
    for (const auto& worker : workers) all += worker->log();
    return all;
  };
  for (int i = 0; i < 300; ++i) send(i, 3, "m" + std::to_string(i));
  for (int i = 0; i < 50; ++i) send(i, 3, "m" + std::to_string(i));  // redelivered by producers
  ASSERT_TRUE(handled_within_30s(logs, 60, 0)) << logs();
  workers[0]->signal(SIGKILL);
  workers[0]->wait();
  ASSERT_TRUE(handled_despite_a_kill_within_30s(logs, 300, 50)) << logs();
  for (int i = 0; i < 100 && pending() > 0; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(pending(), 0);
  expect_applied_once_despite_a_kill(logs(), 300);
  for (std::size_t i = 1; i < workers.size(); ++i) {
    workers[i]->signal(SIGTERM);
    EXPECT_EQ(workers[i]->wait(), 0);
  }
  expect_ledger_verified(db.url());
}

// A worker killed (SIGKILL) after its message's command committed and before the XACK, the
// moment a kill from outside hits only by chance (ALLOCATION_CRASH_AT): the message stays
// pending, and the consumer that claims it finds it applied and acknowledges it without applying
// it again, though a later message changed the batch meanwhile.
TEST_F(RedisStreams, AMessageItsConsumerDiedBeforeAcknowledgingIsClaimedAndNotAppliedAgain) {
  add_batches(db.url(), 1);
  const std::vector<std::string> config = {"--db",       db.url(),        "--broker",
                                           broker_url(), "--claim-after", "1"};
  ServiceProcess doomed(config, ServiceProcess::Subcommand::worker,
                        {"ALLOCATION_CRASH_AT=consumer_applied"});
  send(0, 4, "first");
  EXPECT_EQ(doomed.wait(), 128 + SIGKILL) << doomed.log();
  EXPECT_EQ(applied_in(doomed.log()), 1) << doomed.log();
  EXPECT_EQ(pending(), 1);
  send(0, 6, "second");
  ServiceProcess survivor(config);
  ASSERT_TRUE(handled_within_30s([&] { return survivor.log(); }, 1, 1)) << survivor.log();
  for (int i = 0; i < 100 && pending() > 0; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(applied_in(survivor.log()), 1) << survivor.log();  // the second message only
  auto client = survivor.client();
  EXPECT_EQ(reply_of(client.Get("/products/S0")).body["on_hand"], 6);
  const std::string metrics = client.Get("/metrics")->body;
  EXPECT_NE(metrics.find("allocation_broker_redeliveries_total 1\n"), std::string::npos) << metrics;
  survivor.signal(SIGTERM);
  EXPECT_EQ(survivor.wait(), 0);
  expect_ledger_verified(db.url());
}

// The relay killed (SIGKILL) after Redis confirmed a batch and before the outbox forgot it
// (ALLOCATION_CRASH_AT): the next process sends that batch again under the same message_ids, so a
// consumer that drops repeated ids sees each allocation once.
TEST_F(RedisStreams, ABatchItsRelayDiedBeforeForgettingIsSentAgainUnderTheSameIds) {
  const std::vector<std::string> config = {"--db", db.url(), "--broker", broker_url()};
  LoadResult load;
  {
    ServiceProcess doomed(config, ServiceProcess::Subcommand::serve,
                          {"ALLOCATION_CRASH_AT=outbox_confirmed"});
    ASSERT_EQ(
        doomed.client()
            .Post("/add_batch", R"({"ref": "b1", "sku": "LAMP", "qty": 1000})", "application/json")
            ->status,
        201);
    const std::atomic<bool> until_gone = false;
    load = allocate_until(until_gone, doomed.port());
    EXPECT_EQ(doomed.wait(), 128 + SIGKILL) << doomed.log();
  }
  std::map<std::string, int> copies_before;
  for (const json& message : entries_of(connection, "line_allocated")) {
    ++copies_before[message["message_id"]];
  }
  ASSERT_FALSE(copies_before.empty());
  ServiceProcess service(config);
  auto client = service.client();
  wait_for_empty_outbox(client);
  std::map<std::string, int> copies;
  std::map<std::string, std::set<std::string>> ids_of_order;
  for (const json& message : entries_of(connection, "line_allocated")) {
    ++copies[message["message_id"]];
    ids_of_order[message["orderid"]].insert(message["message_id"].get<std::string>());
  }
  for (const auto& [id, count] : copies_before) {
    EXPECT_EQ(count, 1) << id;
    EXPECT_EQ(copies[id], 2) << id << " was not sent again";
  }
  ASSERT_GT(load.acknowledged.size(), 0u);
  for (const std::string& order : load.acknowledged) {
    EXPECT_EQ(ids_of_order[order].size(), 1u) << order;
  }
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait(), 0);
  expect_ledger_verified(db.url());
}

// Redis killed (SIGKILL) and started again under allocations: every line answered 202 reaches
// the line_allocated stream at least once, and once after deduplication by message_id. Redis
// appends and syncs each entry before it answers (appendfsync always): what it confirmed
// survives its crash.
TEST(RedisStreamsOutage, EveryAcknowledgedAllocationIsPublishedOnceThoughRedisIsKilled) {
  const TempFolder data("allocation-redis-data");
  const std::vector<std::string> durable = {"--appendonly", "yes",   "--appendfsync",
                                            "always",       "--dir", data.path()};
  RedisServer redis(durable);
  ScratchDatabase db{Backend::sqlite};
  ServiceProcess service(
      {"--db", db.url(), "--broker", "redis-streams://" + redis.url().substr(8)});
  auto client = service.client();
  ASSERT_EQ(
      client
          .Post("/add_batch", R"({"ref": "b1", "sku": "LAMP", "qty": 1000000})", "application/json")
          ->status,
      201);
  const LoadResult load = allocate_through_a_broker_crash(
      service.port(), [&] { redis.stop(); }, [&] { redis.start(durable); });
  ASSERT_GT(load.acknowledged.size(), 0u);
  wait_for_empty_outbox(client);
  RedisConnection connection(redis.address());
  const auto entries = entries_of(connection, "line_allocated");
  std::map<std::string, std::set<std::string>> ids_of_order;
  for (const json& message : entries) {
    ids_of_order[message["orderid"]].insert(message["message_id"].get<std::string>());
  }
  for (const std::string& order : load.acknowledged) {
    ASSERT_TRUE(ids_of_order.contains(order)) << order << " was never published";
    EXPECT_EQ(ids_of_order[order].size(), 1u) << order << " published as two messages";
  }
  EXPECT_GE(entries.size(), load.acknowledged.size());
  std::cout << load.acknowledged.size() << " allocations acknowledged, " << entries.size()
            << " entries in line_allocated\n";
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait(), 0);
  expect_ledger_verified(db.url());
}

// GET /health/ready asks the broker too: while Redis is down it answers 503 and says why, and
// the process stays live.
TEST_F(RedisStreams, ReadinessAsksTheBrokerAndLivenessDoesNot) {
  ServiceProcess service({"--db", db.url(), "--broker", broker_url()});
  auto client = service.client();
  EXPECT_EQ(reply_of(client.Get("/health/ready")).body,
            (json{{"status", "ready"}, {"checks", {{"database", "ok"}, {"broker", "ok"}}}}));
  redis.stop();
  const auto down = reply_of(client.Get("/health/ready"));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.body["status"], "not ready");
  EXPECT_EQ(down.body["checks"]["database"], "ok");
  EXPECT_NE(down.body["checks"]["broker"], "ok");
  EXPECT_TRUE(down.body["message"].get<std::string>().starts_with("not ready: broker: "))
      << down.text;
  EXPECT_EQ(client.Get("/health/live")->status, 200);
  redis.start();
  EXPECT_EQ(client.Get("/health/ready")->status, 200);
}

TEST_F(RedisStreams, APoisonMessageIsDeadLetteredAndTheNextOneApplied) {
  add_batches(db.url(), 1);
  connection.command({"XADD", "change_batch_quantity", "*", "payload", "{not json"});
  send(0, 4, "after-poison");
  ServiceProcess service({"--db", db.url(), "--broker", broker_url()});
  ASSERT_TRUE(handled_within_30s([&] { return service.log(); }, 1, 0)) << service.log();
  const auto dead = connection.command({"XRANGE", "change_batch_quantity.dead", "-", "+"});
  ASSERT_EQ(dead->elements, 1u);
  const redisReply* fields = dead->element[0]->element[1];
  EXPECT_EQ(std::string(fields->element[1]->str), "{not json");
  EXPECT_EQ(std::string(fields->element[2]->str), "reason");
  EXPECT_TRUE(std::string(fields->element[3]->str).starts_with("malformed: "))
      << fields->element[3]->str;
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(reply_of(service.client().Get("/products/S0")).body["on_hand"], 4);
}

}  // namespace
}  // namespace allocation::testing
