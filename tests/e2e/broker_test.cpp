#include <signal.h>

#include "allocation/adapters/redis/redis_connection.hpp"
#include "e2e/e2e_test.hpp"
#include "e2e/redis_server.hpp"

namespace allocation::testing {
namespace {

using adapters::redis::RedisConnection;

// `serve --redis`: every allocation is published on line_allocated; messages on
// change_batch_quantity become commands, malformed ones are skipped. Each test has a Redis of
// its own: on a shared one, ctest -j2 ran two of them at once, and each heard the other's
// allocations on line_allocated.
class Broker : public ::testing::Test {
 protected:
  void SetUp() override {
    address = redis.address();
    subscriber = std::make_unique<RedisConnection>(address);
    subscriber->subscribe("line_allocated");
    service = std::make_unique<ServiceProcess>(
        std::vector<std::string>{"--db", db.url(), "--redis", redis.url()});
  }

  json post(const std::string& path, const json& body) {
    auto result = service->client().Post(path, body.dump(), "application/json");
    EXPECT_TRUE(result);
    return result ? json::parse(result->body, nullptr, false) : json();
  }

  json next_published() {
    auto message = subscriber->next_message(std::chrono::seconds(10));
    if (!message) return nullptr;
    return json::parse(*message);
  }

  void send_to_service(const std::string& payload) {
    publish_until_received(address, "change_batch_quantity", payload);
  }

  RedisServer redis;
  adapters::redis::RedisAddress address;
  std::unique_ptr<RedisConnection> subscriber;
  ScratchDatabase db{Backend::sqlite};
  std::unique_ptr<ServiceProcess> service;
};

TEST_F(Broker, PublishesEachAllocationAndReallocatesOnAChangeBatchQuantityMessage) {
  post("/add_batch", {{"ref", "wh"}, {"sku", "LAMP"}, {"qty", 10}});
  post("/add_batch", {{"ref", "ship"}, {"sku", "LAMP"}, {"qty", 10}, {"eta", "2031-01-01"}});
  EXPECT_EQ(post("/allocate", {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}}),
            (json{{"batchref", "wh"}}));

  json published = next_published();
  ASSERT_TRUE(published.is_object());
  EXPECT_EQ(published["orderid"], "o1");
  EXPECT_EQ(published["sku"], "LAMP");
  EXPECT_EQ(published["qty"], 3);
  EXPECT_EQ(published["batchref"], "wh");
  ASSERT_TRUE(published["message_id"].is_string());
  EXPECT_EQ(published["message_id"].get<std::string>().size(), 32u);

  // Garbage first: each is skipped, and the consumer goes on.
  send_to_service("not json");
  send_to_service(R"({"batchref": 5, "qty": 1})");
  send_to_service(R"({"batchref": "nope", "qty": 1})");
  send_to_service(R"({"batchref": "wh", "qty": -1})");
  send_to_service(R"({"batchref": "wh", "qty": 0, "message_id": "m-1"})");

  published = next_published();
  ASSERT_TRUE(published.is_object());
  EXPECT_EQ(published["orderid"], "o1");
  EXPECT_EQ(published["batchref"], "ship");
  auto allocations = service->client().Get("/allocations/o1");
  ASSERT_TRUE(allocations);
  EXPECT_EQ(json::parse(allocations->body),
            (json::array({{{"sku", "LAMP"}, {"batchref", "ship"}}})));

  // The same message again is a duplicate: dropped. Messages are handled in order, so once a
  // later marker message took effect, the duplicate was handled (and must have changed nothing).
  post("/change_batch_quantity", {{"ref", "wh"}, {"qty", 10}});
  send_to_service(R"({"batchref": "wh", "qty": 0, "message_id": "m-1"})");
  send_to_service(R"({"batchref": "ship", "qty": 9, "message_id": "m-2"})");
  json product;
  for (int i = 0; i < 400; ++i) {
    product = json::parse(service->client().Get("/products/LAMP")->body);
    if (product["batches"][1]["purchased"] == 9) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(product["batches"][1]["purchased"], 9) << "the marker message was not handled";
  EXPECT_EQ(product["batches"][0]["purchased"], 10) << "the duplicate was handled";
}

// Without a broker the messages wait in the outbox, through a kill -9; a process started
// with one publishes them, in commit order.
TEST_F(Broker, MessagesWaitInTheOutboxAndSurviveKillMinus9) {
  service.reset();  // nothing with a broker runs on the database until the kill
  ServiceProcess without_broker({"--db", db.url()});
  auto client = without_broker.client();
  const json batch = {{"ref", "b1"}, {"sku", "DESK"}, {"qty", 100}};
  ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);
  for (const char* orderid : {"w1", "w2", "w3"}) {
    const json line = {{"orderid", orderid}, {"sku", "DESK"}, {"qty", 1}};
    ASSERT_EQ(client.Post("/allocate", line.dump(), "application/json")->status, 202);
  }
  EXPECT_NE(client.Get("/metrics")->body.find("allocation_outbox_backlog 3"), std::string::npos);
  without_broker.signal(SIGKILL);
  without_broker.wait();

  ServiceProcess with_broker({"--db", db.url(), "--redis", redis.url()});
  std::vector<std::string> orders;
  for (int i = 0; i < 3; ++i) {
    const json message = next_published();
    ASSERT_TRUE(message.is_object()) << "only " << i << " messages published";
    orders.push_back(message["orderid"]);
  }
  EXPECT_EQ(orders, (std::vector<std::string>{"w1", "w2", "w3"}));
  EXPECT_EQ(subscriber->next_message(std::chrono::milliseconds(300)), std::nullopt)
      << "a message was published twice";
}

TEST(BrokerConfiguration, MalformedRedisUrlIsOneClearLine) {
  ScratchDatabase db(Backend::sqlite);
  const auto r =
      run_allocation({"serve", "--port", "0", "--db", db.url(), "--redis", "localhost:6379"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("malformed Redis URL"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace allocation::testing
