#include "allocation/entrypoints/broker_consumer.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

#include "allocation/adapters/in_memory/scripted_message_consumer.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/fake_service.hpp"

namespace allocation::entrypoints {
namespace {

using adapters::broker::Delivery;
using domain::commands::CreateBatch;

// The consumer's handling of each delivery, on the in-memory service and a scripted broker:
// what it applies, acknowledges and dead-letters. The log is captured to see what was said.
class BrokerConsumerDeliveries : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_logger = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    service.bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  }
  void TearDown() override { spdlog::set_default_logger(previous_logger); }

  void deliver(const std::string& id, const std::string& payload) {
    consumer.handle(broker, Delivery{.id = id, .payload = payload});
  }
  int purchased(const std::string& ref) const {
    return service.store->find_by_batchref(ref)->batch(ref)->purchased_quantity();
  }
  bool logged(const std::string& part) const { return log.str().find(part) != std::string::npos; }

  testing::FakeService service;
  adapters::ScriptedMessageConsumer broker;
  adapters::broker::BrokerCounters counters;
  BrokerConsumer consumer{[]() -> std::unique_ptr<adapters::broker::MessageConsumer> {
                            throw std::runtime_error("not opened by these tests");
                          },
                          service.bus, /*max_deliveries=*/3, counters};
  std::ostringstream log;
  std::shared_ptr<spdlog::logger> previous_logger;
};

TEST_F(BrokerConsumerDeliveries, AGoodMessageChangesTheBatchQuantityAndIsAcknowledged) {
  deliver("1-0", R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  EXPECT_EQ(purchased("b1"), 4);
  EXPECT_EQ(broker.acknowledged, std::vector<std::string>{"1-0"});
  EXPECT_TRUE(broker.dead_letters.empty());
  EXPECT_TRUE(logged("batch b1 quantity set to 4 (message m1)")) << log.str();
}

TEST_F(BrokerConsumerDeliveries, AMessageWithoutIdIsAppliedEveryTime) {
  deliver("1-0", R"({"batchref": "b1", "qty": 4})");
  deliver("2-0", R"({"batchref": "b1", "qty": 6})");
  EXPECT_EQ(purchased("b1"), 6);
  EXPECT_EQ(broker.acknowledged, (std::vector<std::string>{"1-0", "2-0"}));
}

// A broker delivers at least once: the same message again, after a later one was applied,
// must not take the batch back to its quantity.
TEST_F(BrokerConsumerDeliveries, AMessageDeliveredAgainChangesNothingAndIsAcknowledged) {
  deliver("1-0", R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  deliver("2-0", R"({"batchref": "b1", "qty": 7, "message_id": "m2"})");
  const int commits = service.store->commits();
  deliver("1-0", R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  EXPECT_EQ(purchased("b1"), 7);
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(broker.acknowledged, (std::vector<std::string>{"1-0", "2-0", "1-0"}));
  EXPECT_TRUE(logged("dropped duplicate message m1")) << log.str();
}

TEST_F(BrokerConsumerDeliveries, AMalformedMessageIsDeadLetteredWithTheReason) {
  const int commits = service.store->commits();
  for (const char* payload :
       {"", "not json", "[]", R"({"batchref": "b1"})", R"({"batchref": "b1", "qty": -1})",
        R"({"batchref": "", "qty": 3})", R"({"ref": "b1", "qty": 3})"}) {
    broker.dead_letters.clear();
    log.str("");
    EXPECT_NO_THROW(deliver("9-0", payload)) << payload;
    ASSERT_EQ(broker.dead_letters.size(), 1u) << payload;
    EXPECT_EQ(broker.dead_letters[0].first, "9-0");
    EXPECT_TRUE(broker.dead_letters[0].second.starts_with("malformed: "))
        << broker.dead_letters[0].second;
    EXPECT_TRUE(logged("skipped message on change_batch_quantity")) << payload << ": " << log.str();
  }
  EXPECT_TRUE(broker.acknowledged.empty());
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(purchased("b1"), 10);
}

TEST_F(BrokerConsumerDeliveries, AGoodMessageAfterAMalformedOneIsApplied) {
  deliver("1-0", "{");
  deliver("2-0", R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  EXPECT_EQ(purchased("b1"), 4);
  EXPECT_EQ(broker.acknowledged, std::vector<std::string>{"2-0"});
}

TEST_F(BrokerConsumerDeliveries, AnUnknownBatchIsDeadLetteredNamingIt) {
  EXPECT_NO_THROW(deliver("1-0", R"({"batchref": "nope", "qty": 4, "message_id": "m1"})"));
  ASSERT_EQ(broker.dead_letters.size(), 1u);
  EXPECT_NE(broker.dead_letters[0].second.find("nope"), std::string::npos)
      << broker.dead_letters[0].second;
  EXPECT_TRUE(broker.acknowledged.empty());
  EXPECT_TRUE(logged("skipped message on change_batch_quantity")) << log.str();
}

// Delivered 3 times (max_deliveries) without being acknowledged: the fourth delivery is not
// tried, however good the message.
TEST_F(BrokerConsumerDeliveries, AMessageDeliveredTooOftenIsDeadLetteredNotTried) {
  const std::string payload = R"({"batchref": "b1", "qty": 4, "message_id": "m1"})";
  consumer.handle(broker, Delivery{.id = "1-0", .payload = payload, .deliveries = 3});
  EXPECT_EQ(purchased("b1"), 4) << "the third delivery is tried";
  consumer.handle(
      broker, Delivery{.id = "2-0", .payload = R"({"batchref": "b1", "qty": 6})", .deliveries = 4});
  EXPECT_EQ(purchased("b1"), 4);
  EXPECT_EQ(broker.dead_letters, (std::vector<std::pair<std::string, std::string>>{
                                     {"2-0", "delivered 3 times without being acknowledged"}}));
  EXPECT_EQ(broker.acknowledged, std::vector<std::string>{"1-0"});
}

TEST_F(BrokerConsumerDeliveries, CountsWhatBecameOfEachDelivery) {
  deliver("1-0", R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  deliver("1-0", R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  deliver("2-0", "{");
  consumer.handle(broker, Delivery{.id = "3-0", .payload = "{", .deliveries = 2});
  EXPECT_EQ(counters.delivered, 4);
  EXPECT_EQ(counters.redelivered, 1);
  EXPECT_EQ(counters.applied, 1);
  EXPECT_EQ(counters.duplicates, 1);
  EXPECT_EQ(counters.dead_letters, 2);
}

// The database down: the message is neither acknowledged nor dead-lettered, and is applied
// when tried again once the database is back (run() tries it again, pausing in between).
class UnitsOfWorkThatMayBeDown final : public service_layer::UnitsOfWork {
 public:
  explicit UnitsOfWorkThatMayBeDown(std::shared_ptr<service_layer::UnitsOfWork> up)
      : up_(std::move(up)) {}
  std::vector<domain::Event> perform(std::optional<std::string_view> product,
                                     const Work& work) override {
    if (down) throw service_layer::Unavailable("database down");
    return up_->perform(product, work);
  }
  bool down = true;

 private:
  std::shared_ptr<service_layer::UnitsOfWork> up_;
};

TEST_F(BrokerConsumerDeliveries, AMessageThatCannotBeAppliedForNowStaysUnacknowledgedUntilItIs) {
  auto adapters = service.adapters();
  const auto units_of_work = std::make_shared<UnitsOfWorkThatMayBeDown>(adapters.units_of_work);
  adapters.units_of_work = units_of_work;
  const auto bus = bootstrap::make_message_bus(adapters);
  BrokerConsumer consumer_of_down{[]() -> std::unique_ptr<adapters::broker::MessageConsumer> {
                                    throw std::runtime_error("not opened");
                                  },
                                  bus, 3, counters};
  const Delivery delivery{.id = "1-0", .payload = R"({"batchref": "b1", "qty": 4})"};
  EXPECT_FALSE(consumer_of_down.handle(broker, delivery));
  EXPECT_FALSE(consumer_of_down.try_to_apply(broker, delivery));
  EXPECT_TRUE(broker.acknowledged.empty());
  EXPECT_TRUE(broker.dead_letters.empty());
  EXPECT_TRUE(logged("message on change_batch_quantity not applied for now: database down"))
      << log.str();
  units_of_work->down = false;
  EXPECT_TRUE(consumer_of_down.try_to_apply(broker, delivery));
  EXPECT_EQ(purchased("b1"), 4);
  EXPECT_EQ(broker.acknowledged, std::vector<std::string>{"1-0"});
  EXPECT_EQ(counters.delivered, 1) << "one delivery, tried three times";
}

}  // namespace
}  // namespace allocation::entrypoints
