#include <hiredis.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "allocation/adapters/real_clock.hpp"
#include "allocation/adapters/redis/redis_connection.hpp"
#include "e2e/broker_consumers.hpp"
#include "e2e/e2e_test.hpp"
#include "e2e/redis_server.hpp"
#include "support/test_time.hpp"

namespace allocation::testing {
namespace {

using adapters::redis::RedisConnection;

// Redis of the test's own, stopped and started again while the service runs.
class BrokerOutage : public EndToEnd {
 protected:
  void SetUp() override {
    SKIP_UNLESS_AVAILABLE(scratch);
    service = std::make_unique<ServiceProcess>(
        std::vector<std::string>{"--db", scratch.url(), "--redis", redis.url()});
    listen();
  }
  // Whatever was down or killed, the ledger accounts for all the stock.
  void TearDown() override {
    if (!IsSkipped()) expect_ledger_verified(scratch.url());
  }

  void listen() {
    subscriber = std::make_unique<RedisConnection>(redis.address());
    subscriber->subscribe("line_allocated");
  }

  // Order ids published until `count` distinct ones were seen, or `wait` passed.
  void collect(std::set<std::string>& orderids, std::size_t count,
               std::chrono::seconds wait = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (orderids.size() < count && std::chrono::steady_clock::now() < deadline) {
      if (auto message = subscriber->next_message(std::chrono::milliseconds(200))) {
        orderids.insert(json::parse(*message)["orderid"].get<std::string>());
      }
    }
  }

  // Messages heard or expected, each as its channel and its payload (without message_id), in
  // the order they were published or committed.
  using Messages = std::vector<std::string>;
  static std::string message(const std::string& channel, const json& payload) {
    return channel + " " + payload.dump();
  }

  // Part two's messages: one subscriber per channel, so that each message heard is known by
  // its channel.
  void listen_to_every_channel() {
    channel_subscribers.clear();
    for (const char* channel :
         {"line_allocated", "line_deallocated", "out_of_stock", "back_in_stock", "low_stock"}) {
      channel_subscribers.emplace_back(channel, std::make_unique<RedisConnection>(redis.address()));
      channel_subscribers.back().second->subscribe(channel);
    }
  }

  // What the channels carry until `count` messages were heard or `wait` passed, and then for
  // `quiet` more (a message published twice would come then).
  std::vector<std::pair<std::string, json>> hear(
      std::size_t count, std::chrono::milliseconds wait = std::chrono::seconds(20),
      std::chrono::milliseconds quiet = std::chrono::milliseconds(500)) {
    std::vector<std::pair<std::string, json>> heard;
    auto deadline = std::chrono::steady_clock::now() + wait;
    bool counted = false;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto& [channel, connection] : channel_subscribers) {
        while (auto message = connection->next_message(std::chrono::milliseconds(5))) {
          heard.emplace_back(channel, json::parse(*message));
        }
      }
      if (!counted && heard.size() >= count) {
        counted = true;
        deadline = std::chrono::steady_clock::now() + quiet;
      }
    }
    return heard;
  }

  // Work acknowledged over HTTP that makes every kind of part two's messages, from batches wh
  // (10) and ship (10, later) of LAMP with backorders on and a low-stock threshold of 3; returns
  // the messages it makes, in the order they are committed.
  Messages part_two_work() {
    Messages messages;
    const auto line = [](const char* orderid, int qty, const char* batchref) {
      return json{{"orderid", orderid}, {"sku", "LAMP"}, {"qty", qty}, {"batchref", batchref}};
    };
    const auto taken_off = [&](const char* orderid, int qty, const char* batchref,
                               const char* reason) {
      json payload = line(orderid, qty, batchref);
      payload["reason"] = reason;
      return message("line_deallocated", payload);
    };
    const auto expect_answer = [](const Reply& reply, int status, const json& body) {
      EXPECT_EQ(reply.status, status) << reply.text;
      if (!body.is_null()) {
        EXPECT_EQ(reply.body, body);
      }
    };
    // o1 takes 8 of wh; o2 10 of ship, leaving 2: low stock.
    expect_answer(allocate("o1", "LAMP", 8), 202, {{"batchref", "wh"}});
    messages.push_back(message("line_allocated", line("o1", 8, "wh")));
    expect_answer(allocate("o2", "LAMP", 10), 202, {{"batchref", "ship"}});
    messages.push_back(message("line_allocated", line("o2", 10, "ship")));
    messages.push_back(message("low_stock", {{"sku", "LAMP"}, {"available", 2}, {"threshold", 3}}));
    // o3 fits nowhere: out of stock, and it waits.
    expect_answer(allocate("o3", "LAMP", 5), 202, {{"batchref", nullptr}, {"backordered", true}});
    messages.push_back(message("out_of_stock", {{"sku", "LAMP"}}));
    // Cancelling o1 frees wh: o3 takes 5 of it, 5 are left.
    expect_answer(post("/orders/o1/cancel", std::string()), 200,
                  {{"released", {{{"batchref", "wh"}, {"qty", 8}}}}});
    messages.push_back(taken_off("o1", 8, "wh", "cancelled"));
    messages.push_back(message("line_allocated", line("o3", 5, "wh")));
    messages.push_back(message("back_in_stock", {{"sku", "LAMP"}, {"available", 5}}));
    // wh lowered to 0 takes o3 off, which finds no other batch: out of stock again, it waits.
    expect_answer(post("/change_batch_quantity", json{{"ref", "wh"}, {"qty", 0}}), 200, nullptr);
    messages.push_back(taken_off("o3", 5, "wh", "batch_changed"));
    messages.push_back(message("low_stock", {{"sku", "LAMP"}, {"available", 0}, {"threshold", 3}}));
    messages.push_back(message("out_of_stock", {{"sku", "LAMP"}}));
    // Releasing o2 frees ship: o3 takes 5 of it, 5 are left.
    expect_answer(post("/deallocate", json{{"orderid", "o2"}, {"sku", "LAMP"}}), 200,
                  {{"released", {{{"batchref", "ship"}, {"qty", 10}}}}});
    messages.push_back(taken_off("o2", 10, "ship", "cancelled"));
    messages.push_back(message("line_allocated", line("o3", 5, "ship")));
    messages.push_back(message("back_in_stock", {{"sku", "LAMP"}, {"available", 5}}));
    return messages;
  }

  void prepare_part_two() {
    add_batch("wh", "LAMP", 10);
    add_batch("ship", "LAMP", 10, "2031-01-01");
    const json policy = {{"backorders", true}, {"low_stock_threshold", 3}};
    ASSERT_EQ(patch("/products/LAMP", policy).status, 200);
  }

  // Each message heard once (no message_id twice), on its channel, with its payload: exactly
  // the messages `expected`, each channel's in the order of their commits. And the work's end
  // state is what the HTTP API shows.
  void expect_each_published_once(const std::vector<std::pair<std::string, json>>& heard,
                                  const Messages& expected) {
    std::set<std::string> message_ids;
    std::map<std::string, Messages> by_channel, expected_by_channel;
    for (auto [channel, payload] : heard) {
      ASSERT_TRUE(payload["message_id"].is_string()) << channel << " " << payload;
      EXPECT_TRUE(message_ids.insert(payload["message_id"].get<std::string>()).second)
          << "published twice: " << channel << " " << payload;
      payload.erase("message_id");
      by_channel[channel].push_back(message(channel, payload));
    }
    for (const auto& m : expected) expected_by_channel[m.substr(0, m.find(' '))].push_back(m);
    EXPECT_EQ(by_channel, expected_by_channel);
    json order = get("/orders/o3").body;
    EXPECT_EQ(order["lines"][0]["allocations"], (json::array({{{"batchref", "ship"}, {"qty", 5}}})))
        << order;
    EXPECT_EQ(get("/orders/o1").body["lines"][0]["status"], "cancelled");
    EXPECT_EQ(get("/orders/o2").body["lines"][0]["status"], "cancelled");
  }

  RedisServer redis;
  std::unique_ptr<RedisConnection> subscriber;
  std::vector<std::pair<std::string, std::unique_ptr<RedisConnection>>> channel_subscribers;
};

// Redis refuses PUBLISH after its restart until the test has subscribed again, so that no
// message reaches a Redis with nobody yet listening (pub/sub keeps nothing).
const std::vector<std::string> kNoPublishYet = {"--user", "default", "on",    "nopass",
                                                "~*",     "&*",      "+@all", "-publish"};

TEST_P(BrokerOutage, RedisDownDuring100AllocationsAndBackEveryOneIsPublished) {
  add_batch("b1", "LAMP", 1000);
  std::set<std::string> published;
  const auto allocate_orders = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_EQ(allocate("o" + std::to_string(i), "LAMP", 1).status, 202) << i;
    }
  };
  allocate_orders(0, 30);
  collect(published, 30);
  ASSERT_EQ(published.size(), 30u);

  redis.stop();
  allocate_orders(30, 100);  // a broker down never fails an allocation
  EXPECT_NE(get("/metrics").text.find("allocation_outbox_backlog 70"), std::string::npos);

  redis.start(kNoPublishYet);
  listen();
  ASSERT_TRUE(redis.command("ACL SETUSER default +publish"));
  collect(published, 100);
  EXPECT_EQ(published.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(published.contains("o" + std::to_string(i))) << i;
}

TEST_P(BrokerOutage, TheConsumerSubscribesAgainAfterARedisRestart) {
  add_batch("wh", "LAMP", 10);
  add_batch("ship", "LAMP", 10, "2031-01-01");
  ASSERT_EQ(allocate("o1", "LAMP", 4).status, 202);
  redis.stop();
  redis.start();
  listen();
  publish_until_received(redis.address(), "change_batch_quantity",
                         R"({"batchref": "wh", "qty": 2})");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  // o1 may have been published before the restart, or after it (again): what matters is the
  // message that moves it to the shipment.
  json moved;
  while (!moved.is_object() && std::chrono::steady_clock::now() < deadline) {
    if (auto message = subscriber->next_message(std::chrono::milliseconds(200))) {
      if (json m = json::parse(*message); m["batchref"] == "ship") moved = m;
    }
  }
  EXPECT_EQ(moved["orderid"], "o1");
  EXPECT_EQ(get("/allocations/o1").body, (json::array({{{"sku", "LAMP"}, {"batchref", "ship"}}})));
}

// Part two's messages (releases, a quantity change, backorders served, out of stock, back in
// stock, low stock) of work acknowledged while Redis is down wait in the outbox; once it is
// back each is published once, on its channel, with its payload.
TEST_P(BrokerOutage, RedisDownDuringPartTwoWorkAndBackEachMessageIsPublishedOnce) {
  prepare_part_two();
  redis.stop();
  const auto expected = part_two_work();
  EXPECT_NE(get("/metrics")
                .text.find("allocation_outbox_backlog " + std::to_string(expected.size()) + "\n"),
            std::string::npos);

  redis.start(kNoPublishYet);
  listen_to_every_channel();
  ASSERT_TRUE(redis.command("ACL SETUSER default +publish"));
  expect_each_published_once(hear(expected.size()), expected);
}

// The same work acknowledged by a process killed (-9) right after it, whose relay could not
// send (Redis refused PUBLISH): the next process publishes each message once.
TEST_P(BrokerOutage, PartTwoWorkAcknowledgedRightBeforeAKillMinus9IsPublishedOnceEach) {
  prepare_part_two();
  listen_to_every_channel();
  ASSERT_TRUE(redis.command("ACL SETUSER default -publish"));
  const auto expected = part_two_work();
  service->signal(SIGKILL);
  service->wait();
  ASSERT_TRUE(redis.command("ACL SETUSER default +publish"));
  EXPECT_TRUE(hear(1, std::chrono::milliseconds(200), std::chrono::milliseconds(0)).empty())
      << "the killed process published";

  service = std::make_unique<ServiceProcess>(
      std::vector<std::string>{"--db", scratch.url(), "--redis", redis.url()});
  expect_each_published_once(hear(expected.size()), expected);
}

// The same work with `--broker redis-streams://`: each of part two's messages is kept in its
// channel's stream, once, with its payload. The relay sends whatever the outbox holds, on its
// channel, whichever broker is chosen.
TEST_P(BrokerOutage, PartTwoWorkIsKeptInEachChannelsStreamOnce) {
  service = std::make_unique<ServiceProcess>(std::vector<std::string>{
      "--db", scratch.url(), "--broker", "redis-streams://" + redis.url().substr(8)});
  prepare_part_two();
  const auto expected = part_two_work();
  auto client = service->client();
  wait_for_empty_outbox(client);
  RedisConnection streams(redis.address());
  std::vector<std::pair<std::string, json>> kept;
  for (const char* channel :
       {"line_allocated", "line_deallocated", "out_of_stock", "back_in_stock", "low_stock"}) {
    const auto entries = streams.command({"XRANGE", channel, "-", "+"});
    for (std::size_t e = 0; e < entries->elements; ++e) {
      const redisReply* fields = entries->element[e]->element[1];
      kept.emplace_back(channel,
                        json::parse(std::string(fields->element[1]->str, fields->element[1]->len)));
    }
  }
  expect_each_published_once(kept, expected);
}

// kill -9 under load: every allocation acknowledged before it is published by the next process
// (at least once), and present.
TEST_P(BrokerOutage, EveryAllocationAcknowledgedBeforeAKillMinus9IsPublished) {
  add_batch("b1", "LAMP", 1'000'000);
  const auto load = load_until_signal(*service, SIGKILL, std::chrono::milliseconds(400)).first;
  ASSERT_GT(load.acknowledged.size(), 10u);
  EXPECT_TRUE(load.others.empty());

  std::set<std::string> published;
  // What the first process published; it may have died before publishing some.
  collect(published, load.acknowledged.size(), std::chrono::seconds(2));
  service = std::make_unique<ServiceProcess>(
      std::vector<std::string>{"--db", scratch.url(), "--redis", redis.url()});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto missing = [&] {
    return std::count_if(load.acknowledged.begin(), load.acknowledged.end(),
                         [&](const std::string& orderid) { return !published.contains(orderid); });
  };
  while (missing() > 0 && std::chrono::steady_clock::now() < deadline) {
    collect(published, published.size() + 1, std::chrono::seconds(1));
  }
  EXPECT_EQ(missing(), 0) << "of " << load.acknowledged.size() << " acknowledged";
  for (const auto& orderid : load.acknowledged) {
    EXPECT_EQ(get("/allocations/" + orderid).status, 200) << orderid;
  }
}

INSTANTIATE_FOR_BOTH_DATABASES(BrokerOutage);

// One `serve` without broker, and what runs beside it or after it.
class Recovery : public EndToEnd {
 protected:
  // Whatever crashed, the ledger accounts for all the stock.
  void TearDown() override {
    if (!IsSkipped()) expect_ledger_verified(scratch.url());
  }

  // Batches wh and ship (later) of LAMP, and o1's 4 LAMP allocated to wh; returns the
  // allocation's status.
  int allocate_o1_to_wh() {
    add_batch("wh", "LAMP", 10);
    add_batch("ship", "LAMP", 10, "2031-01-01");
    return allocate("o1", "LAMP", 4).status;
  }
  // o1's allocations once its line, taken off wh, is allocated again.
  static json o1_moved_to_ship() { return json::array({{{"sku", "LAMP"}, {"batchref", "ship"}}}); }

  // What a process that died right after taking o1's line off batch wh had committed: the
  // change, without its event handlers.
  void commit_deallocation_without_handlers() {
    adapters::sql::sql_units_of_work(scratch.open(), std::make_shared<adapters::RealClock>())
        ->perform([](service_layer::UnitOfWork& uow) {
          uow.products().get_by_batchref("wh")->change_batch_quantity("wh", 2, kTestNow);
          uow.commit();
        });
  }

  // GET /allocations/<orderid>'s body once it is `expected`, or what it is after 5 s: recovery
  // runs beside the serving.
  json allocations_once(const std::string& orderid, const json& expected) {
    Reply allocations = get("/allocations/" + orderid);
    for (int i = 0; i < 100 && allocations.body != expected; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      allocations = get("/allocations/" + orderid);
    }
    return allocations.body;
  }
};

// `allocation worker`: the consumer and the relay without HTTP, beside a `serve` without broker.
TEST_P(Recovery, WorkerPublishesTheOutboxAndConsumesWithoutHttp) {
  RedisServer redis;
  RedisConnection subscriber(redis.address());
  subscriber.subscribe("line_allocated");
  ASSERT_EQ(allocate_o1_to_wh(), 202);

  ServiceProcess worker({"--db", scratch.url(), "--redis", redis.url()},
                        ServiceProcess::Subcommand::worker);
  auto message = subscriber.next_message(std::chrono::seconds(10));
  ASSERT_TRUE(message);
  EXPECT_EQ(json::parse(*message)["batchref"], "wh");

  publish_until_received(redis.address(), "change_batch_quantity",
                         R"({"batchref": "wh", "qty": 0})");
  message = subscriber.next_message(std::chrono::seconds(10));
  ASSERT_TRUE(message);
  EXPECT_EQ(json::parse(*message)["batchref"], "ship");
  EXPECT_EQ(get("/allocations/o1").body, (json::array({{{"sku", "LAMP"}, {"batchref", "ship"}}})));

  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait(), 0) << worker.log();
}

// Found when the command line is read, before anything starts.
TEST(Worker, WithoutABrokerIsAUsageError) {
  ScratchDatabase db(Backend::sqlite);
  const auto r = run_allocation({"worker", "--db", db.url()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("--broker or --redis is required\n")) << r.err;

  RedisServer redis;
  ::setenv("ALLOCATION_REDIS", redis.url().c_str(), 1);
  ServiceProcess worker({"--db", db.url()}, ServiceProcess::Subcommand::worker);  // starts
  ::unsetenv("ALLOCATION_REDIS");
}

// A process that died between taking a line off a batch and allocating it again: the next
// `serve` does it at once.
TEST_P(Recovery, ServeRecoversAtStartAReallocationACrashLeftUndone) {
  ASSERT_EQ(allocate_o1_to_wh(), 202);
  service.reset();  // kill -9
  commit_deallocation_without_handlers();
  service = std::make_unique<ServiceProcess>(std::vector<std::string>{"--db", scratch.url()});
  EXPECT_EQ(allocations_once("o1", o1_moved_to_ship()), o1_moved_to_ship());
  EXPECT_NE(service->log().find("recovered 1 reallocations"), std::string::npos);
}

// The same, while another process holds SQLite's write lock, as a busy one does most of the
// time: the start does not wait for the recovery's writes (a restarted `serve` beside a busy
// one had waited over 20 s, or given up). PostgreSQL has no lock of the whole database.
TEST_P(Recovery, ServeStartsWhileItsRecoveryWaitsForTheWriteLock) {
  if (GetParam() == Backend::postgresql) GTEST_SKIP() << "no lock of the whole database";
  ASSERT_EQ(allocate_o1_to_wh(), 202);
  service.reset();  // kill -9
  commit_deallocation_without_handlers();
  const auto database = scratch.open();
  auto busy = database->acquire();
  busy.session() << "BEGIN IMMEDIATE";
  service = std::make_unique<ServiceProcess>(
      std::vector<std::string>{"--db", scratch.url(), "--recovery-interval", "1"});
  EXPECT_EQ(get("/health").status, 200);
  EXPECT_EQ(get("/allocations/o1").status, 404) << "taken off, not reallocated yet";
  busy.session() << "ROLLBACK";
  EXPECT_EQ(allocations_once("o1", o1_moved_to_ship()), o1_moved_to_ship());
}

// Another process died leaving a reallocation pending, and this one keeps running: it replays
// it within its recovery interval, without a restart.
TEST_P(Recovery, ARunningServeRecoversWhatADeadProcessLeftPending) {
  service = std::make_unique<ServiceProcess>(
      std::vector<std::string>{"--db", scratch.url(), "--recovery-interval", "1"});
  ASSERT_EQ(allocate_o1_to_wh(), 202);
  commit_deallocation_without_handlers();
  EXPECT_EQ(allocations_once("o1", o1_moved_to_ship()), o1_moved_to_ship());
}

INSTANTIATE_FOR_BOTH_DATABASES(Recovery);

}  // namespace
}  // namespace allocation::testing
