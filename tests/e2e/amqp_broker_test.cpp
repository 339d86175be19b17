#include "allocation/adapters/amqp/amqp_broker.hpp"

#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "e2e/broker_consumers.hpp"
#include "e2e/e2e_test.hpp"
#include "e2e/rabbitmq_server.hpp"
#include "support/test_servers.hpp"

namespace allocation::testing {
namespace {

using adapters::amqp::AmqpConnection;
using adapters::amqp::parse_amqp_url;
using namespace std::chrono_literals;

// `--broker amqp://` against the RabbitMQ the tests share: its queue allocation.change_batch_
// quantity keeps what is sent while no consumer runs, each message is applied once however many
// workers consume it, and what can never apply is dead-lettered. The queue is the same for
// every test on that server: the tests take turns (a ctest resource lock), and each drains it
// first.
class Amqp : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");
    url = std::getenv("ALLOCATION_TEST_AMQP");
    publisher.emplace(parse_amqp_url(url));
    publisher->declare_exchange(adapters::amqp::kExchange);
    publisher->select_confirms();
    // What an earlier test left in the queue, if one failed halfway.
    AmqpConnection drain(parse_amqp_url(url));
    drain.declare_queue(kQueue, adapters::amqp::kExchange, "change_batch_quantity");
    drain.consume(kQueue, 100);
    while (auto left = drain.next_delivery(100ms)) drain.ack(left->tag);
  }

  static constexpr const char* kQueue = "allocation.change_batch_quantity";

  void send(int batch, int qty, const std::string& message_id) {
    const json message = {
        {"batchref", "b" + std::to_string(batch)}, {"qty", qty}, {"message_id", message_id}};
    publisher->publish(adapters::amqp::kExchange, "change_batch_quantity", message.dump());
  }

  std::string url;
  std::optional<AmqpConnection> publisher;
  ScratchDatabase db{Backend::sqlite};
};

TEST_F(Amqp, MessagesSentWhileNoConsumerRunsAreEachAppliedOnceWhenOneStarts) {
  add_batches(db.url(), 100, {"--broker", url});
  for (int i = 0; i < 100; ++i) {
    send(i, 5, "first-" + std::to_string(i));
    send(i, 7, "second-" + std::to_string(i));
    send(i, 5, "first-" + std::to_string(i));
  }
  publisher->wait_for_confirms();
  ServiceProcess service({"--db", db.url(), "--broker", url});
  ASSERT_TRUE(handled_within_30s([&] { return service.log(); }, 200, 100)) << service.log();
  EXPECT_EQ(applied_in(service.log()), 200);
  auto client = service.client();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(reply_of(client.Get("/products/S" + std::to_string(i))).body["on_hand"], 7) << i;
  }
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait(), 0);
  expect_ledger_verified(db.url());
}

// Three workers share the queue, and one is killed (SIGKILL) midway: what it held unacknowledged
// goes to the others, and every message is applied exactly once all the same.
TEST_F(Amqp, ThreeWorkersApplyEachMessageOnceThoughOneIsKilled) {
  add_batches(db.url(), 300, {"--broker", url});
  const std::vector<std::string> config = {"--db", db.url(), "--broker", url};
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
  for (int i = 0; i < 50; ++i) send(i, 3, "m" + std::to_string(i));
  publisher->wait_for_confirms();
  ASSERT_TRUE(handled_within_30s(logs, 60, 0)) << logs();
  workers[0]->signal(SIGKILL);
  workers[0]->wait();
  ASSERT_TRUE(handled_despite_a_kill_within_30s(logs, 300, 50)) << logs();
  std::this_thread::sleep_for(300ms);  // anything applied twice would show by now
  expect_applied_once_despite_a_kill(logs(), 300);
  for (std::size_t i = 1; i < workers.size(); ++i) {
    workers[i]->signal(SIGTERM);
    EXPECT_EQ(workers[i]->wait(), 0);
  }
  expect_ledger_verified(db.url());
}

// A worker killed (SIGKILL) after its message's command committed and before the ack, the
// moment a kill from outside hits only by chance (ALLOCATION_CRASH_AT): RabbitMQ delivers the
// message again, and the next consumer finds it applied and acknowledges it without applying it.
TEST_F(Amqp, AMessageItsConsumerDiedBeforeAcknowledgingIsDeliveredAgainAndNotAppliedAgain) {
  add_batches(db.url(), 1, {"--broker", url});
  const std::vector<std::string> config = {"--db", db.url(), "--broker", url};
  ServiceProcess doomed(config, ServiceProcess::Subcommand::worker,
                        {"ALLOCATION_CRASH_AT=consumer_applied"});
  send(0, 4, "first");
  publisher->wait_for_confirms();
  EXPECT_EQ(doomed.wait(), 128 + SIGKILL) << doomed.log();
  EXPECT_EQ(applied_in(doomed.log()), 1) << doomed.log();
  // The second is sent once RabbitMQ has seen the connection go and taken the first back:
  // before, it could hand the second to the dead consumer too, and count it redelivered.
  for (int i = 0; i < 100 && publisher->message_count(kQueue) < 1; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(publisher->message_count(kQueue), 1);
  send(0, 6, "second");
  publisher->wait_for_confirms();
  ServiceProcess survivor(config);
  ASSERT_TRUE(handled_within_30s([&] { return survivor.log(); }, 1, 1)) << survivor.log();
  EXPECT_EQ(applied_in(survivor.log()), 1) << survivor.log();  // the second message only
  auto client = survivor.client();
  EXPECT_EQ(reply_of(client.Get("/products/S0")).body["on_hand"], 6);
  const std::string metrics = client.Get("/metrics")->body;
  EXPECT_NE(metrics.find("allocation_broker_redeliveries_total 1\n"), std::string::npos) << metrics;
  survivor.signal(SIGTERM);
  EXPECT_EQ(survivor.wait(), 0);
  expect_ledger_verified(db.url());
}

TEST_F(Amqp, APoisonMessageIsDeadLetteredAndTheNextOneApplied) {
  add_batches(db.url(), 1, {"--broker", url});
  publisher->publish(adapters::amqp::kExchange, "change_batch_quantity", "{not json");
  send(0, 4, "after-poison");
  publisher->wait_for_confirms();
  ServiceProcess service({"--db", db.url(), "--broker", url});
  ASSERT_TRUE(handled_within_30s([&] { return service.log(); }, 1, 0)) << service.log();
  EXPECT_EQ(reply_of(service.client().Get("/products/S0")).body["on_hand"], 4);
  const std::string metrics = service.client().Get("/metrics")->body;
  EXPECT_NE(metrics.find("allocation_broker_dead_letters_total 1\n"), std::string::npos) << metrics;
  AmqpConnection dead(parse_amqp_url(url));
  dead.consume("allocation.change_batch_quantity.dead", 10);
  std::optional<adapters::amqp::AmqpDelivery> letter;
  // Earlier runs on this server may have left dead letters: this one's is the last.
  for (auto next = dead.next_delivery(2s); next; next = dead.next_delivery(200ms)) {
    dead.ack(next->tag);
    letter = std::move(next);
  }
  ASSERT_TRUE(letter);
  EXPECT_EQ(letter->body, "{not json");
  ASSERT_TRUE(letter->reason);
  EXPECT_TRUE(letter->reason->starts_with("malformed: ")) << *letter->reason;
}

// RabbitMQ killed (SIGKILL) and started again under allocations: every line answered 202 reaches
// a queue bound to line_allocated at least once, and once after deduplication by message_id.
// What RabbitMQ confirmed was on its disk (a quorum queue confirms after its log's fsync), so it
// survives the crash; what it had not confirmed stayed in the outbox and goes again. A RabbitMQ
// of the test's own, on its own ports.
TEST(AmqpOutage, EveryAcknowledgedAllocationIsPublishedOnceThoughRabbitMqIsKilled) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_AMQP");  // rabbitmq-server is installed
  RabbitMqServer rabbitmq;
  const auto address = parse_amqp_url(rabbitmq.url());
  {
    AmqpConnection setup(address);
    setup.declare_exchange(adapters::amqp::kExchange);
    setup.declare_queue("test.line_allocated", adapters::amqp::kExchange, "line_allocated");
  }
  ScratchDatabase db{Backend::sqlite};
  ServiceProcess service({"--db", db.url(), "--broker", rabbitmq.url()});
  auto client = service.client();
  ASSERT_EQ(
      client
          .Post("/add_batch", R"({"ref": "b1", "sku": "LAMP", "qty": 1000000})", "application/json")
          ->status,
      201);
  // The restart takes seconds, while allocations go on into the outbox.
  const LoadResult load = allocate_through_a_broker_crash(
      service.port(), [&] { rabbitmq.crash(); }, [&] { rabbitmq.restart(); });
  ASSERT_GT(load.acknowledged.size(), 0u);
  wait_for_empty_outbox(client);
  AmqpConnection reader(address);
  reader.consume("test.line_allocated", 1000);
  std::map<std::string, std::set<std::string>> ids_of_order;
  std::size_t messages = 0;
  while (auto delivery = reader.next_delivery(2s)) {
    const json message = json::parse(delivery->body);
    ids_of_order[message["orderid"]].insert(message["message_id"].get<std::string>());
    ++messages;
    reader.ack(delivery->tag);
  }
  for (const std::string& order : load.acknowledged) {
    ASSERT_TRUE(ids_of_order.contains(order)) << order << " was never published";
    EXPECT_EQ(ids_of_order[order].size(), 1u) << order << " published as two messages";
  }
  EXPECT_GE(messages, load.acknowledged.size());
  std::cout << load.acknowledged.size() << " allocations acknowledged, " << messages
            << " messages in a queue bound to line_allocated\n";
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait(), 0);
  expect_ledger_verified(db.url());
}

}  // namespace
}  // namespace allocation::testing
