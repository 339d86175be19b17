#include <hiredis.h>
#include <signal.h>

#include <thread>

#include "allocation/adapters/redis/redis_connection.hpp"
#include "e2e/e2e_test.hpp"
#include "e2e/redis_server.hpp"

namespace allocation::testing {
namespace {

using adapters::redis::RedisConnection;
using namespace std::chrono_literals;

// `--broker redis-streams://`: nothing sent on change_batch_quantity is lost while no consumer
// runs, each message is applied once however many consumers share the stream and however
// often it is delivered, and every outgoing message is kept in its stream. Each test has a
// Redis of its own.
class RedisStreams : public ::testing::Test {
 protected:
  std::string broker_url() const { return "redis-streams://" + redis.url().substr(8); }

  // Batches b0..b(count-1) of 10 units, each of its own SKU S0..S(count-1), made before any
  // consumer runs.
  void add_batches(int count) {
    ServiceProcess service({"--db", db.url()});
    auto client = service.client();
    for (int i = 0; i < count; ++i) {
      const json batch = {
          {"ref", "b" + std::to_string(i)}, {"sku", "S" + std::to_string(i)}, {"qty", 10}};
      ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);
    }
    service.signal(SIGTERM);
    ASSERT_EQ(service.wait(), 0);
  }

  void send(int batch, int qty, const std::string& message_id) {
    const json message = {
        {"batchref", "b" + std::to_string(batch)}, {"qty", qty}, {"message_id", message_id}};
    connection.command({"XADD", "change_batch_quantity", "*", "payload", message.dump()});
  }

  long long pending() {
    return connection.command({"XPENDING", "change_batch_quantity", "allocation"})
        ->element[0]
        ->integer;
  }

  // How many times `part` appears in `text`.
  static int count(const std::string& text, const std::string& part) {
    int found = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
      ++found;
    }
    return found;
  }

  // Waits up to 30 s until the logs say that at least `applied` deliveries were applied and
  // `dropped` dropped as duplicates.
  template <class Logs>
  static bool handled_within_30s(const Logs& logs, int applied, int dropped) {
    for (int i = 0; i < 300; ++i) {
      const std::string all = logs();
      if (count(all, "quantity set to") >= applied &&
          count(all, "dropped duplicate message") >= dropped) {
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  RedisServer redis;
  RedisConnection connection{redis.address()};
  ScratchDatabase db{Backend::sqlite};
};

TEST_F(RedisStreams, MessagesSentWhileNoConsumerRunsAreEachAppliedOnceWhenOneStarts) {
  add_batches(100);
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
  EXPECT_EQ(count(log, "quantity set to"), 200);
  EXPECT_EQ(count(log, "dropped duplicate message"), 100);
  EXPECT_EQ(pending(), 0);
  auto client = service.client();
  for (int i = 0; i < 100; ++i) {
    const auto product = reply_of(client.Get("/products/S" + std::to_string(i)));
    EXPECT_EQ(product.body["on_hand"], 7) << i;
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
    const auto entries = connection.command({"XRANGE", "line_allocated", "-", "+"});
    for (std::size_t e = 0; e < entries->elements; ++e) {
      const redisReply* fields = entries->element[e]->element[1];
      orders.push_back(
          json::parse(std::string(fields->element[1]->str, fields->element[1]->len))["orderid"]);
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(orders, (std::vector<std::string>{"o1", "o2"}));
}

// Three workers share the stream, and one of them is killed (SIGKILL) midway, perhaps between
// applying a message and acknowledging it: its messages are claimed by the others, and every
// message is applied exactly once all the same.
TEST_F(RedisStreams, ThreeWorkersApplyEachMessageOnceThoughOneIsKilled) {
  add_batches(300);
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
  ASSERT_TRUE(handled_within_30s(logs, 300, 50)) << logs();
  for (int i = 0; i < 100 && pending() > 0; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(count(logs(), "quantity set to"), 300) << logs();
  for (std::size_t i = 1; i < workers.size(); ++i) {
    workers[i]->signal(SIGTERM);
    EXPECT_EQ(workers[i]->wait(), 0);
  }
  expect_ledger_verified(db.url());
}

TEST_F(RedisStreams, APoisonMessageIsDeadLetteredAndTheNextOneApplied) {
  add_batches(1);
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
