#include "allocation/entrypoints/redis_consumer.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

#include "support/fake_service.hpp"

namespace allocation::entrypoints {
namespace {

using domain::commands::CreateBatch;

// The consumer's handling of one message, without Redis: the address is never connected to,
// as only run() connects. The log is captured to see what was said about skipped messages.
class RedisConsumerMessages : public ::testing::Test {
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

  int purchased(const std::string& ref) const {
    return service.store->find_by_batchref(ref)->batch(ref)->purchased_quantity();
  }
  bool logged(const std::string& part) const { return log.str().find(part) != std::string::npos; }

  testing::FakeService service;
  RedisConsumer consumer{{"127.0.0.1", 1}, service.bus};
  std::ostringstream log;
  std::shared_ptr<spdlog::logger> previous_logger;
};

TEST_F(RedisConsumerMessages, AGoodMessageChangesTheBatchQuantity) {
  consumer.handle_message(R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  EXPECT_EQ(purchased("b1"), 4);
}

TEST_F(RedisConsumerMessages, AMessageWithoutIdIsHandledEveryTime) {
  consumer.handle_message(R"({"batchref": "b1", "qty": 4})");
  consumer.handle_message(R"({"batchref": "b1", "qty": 6})");
  EXPECT_EQ(purchased("b1"), 6);
}

TEST_F(RedisConsumerMessages, ARepeatedMessageIdIsDroppedAndLogged) {
  consumer.handle_message(R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  const int commits = service.store->commits();
  consumer.handle_message(R"({"batchref": "b1", "qty": 7, "message_id": "m1"})");
  EXPECT_EQ(purchased("b1"), 4);
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_TRUE(logged("dropped duplicate message m1")) << log.str();
}

TEST_F(RedisConsumerMessages, MessagesWithOtherIdsAreEachHandled) {
  consumer.handle_message(R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  consumer.handle_message(R"({"batchref": "b1", "qty": 7, "message_id": "m2"})");
  EXPECT_EQ(purchased("b1"), 7);
}

TEST_F(RedisConsumerMessages, AMalformedMessageIsLoggedAndSkippedWithoutThrowing) {
  const int commits = service.store->commits();
  for (const char* payload :
       {"not json", "[]", R"({"batchref": "b1"})", R"({"batchref": "b1", "qty": -1})",
        R"({"batchref": "", "qty": 3})", R"({"ref": "b1", "qty": 3})"}) {
    log.str("");
    EXPECT_NO_THROW(consumer.handle_message(payload)) << payload;
    EXPECT_TRUE(logged("skipped message on change_batch_quantity")) << payload << ": " << log.str();
  }
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(purchased("b1"), 10);
}

TEST_F(RedisConsumerMessages, AGoodMessageAfterAMalformedOneIsHandled) {
  consumer.handle_message("{");
  consumer.handle_message(R"({"batchref": "b1", "qty": 4, "message_id": "m1"})");
  EXPECT_EQ(purchased("b1"), 4);
}

TEST_F(RedisConsumerMessages, AnUnknownBatchIsLoggedAndSkipped) {
  EXPECT_NO_THROW(consumer.handle_message(R"({"batchref": "nope", "qty": 4})"));
  EXPECT_TRUE(logged("skipped message on change_batch_quantity")) << log.str();
  EXPECT_TRUE(logged("nope")) << log.str();
}

TEST_F(RedisConsumerMessages, AnIdIsForgottenAfterAHundredThousandOthers) {
  consumer.handle_message(R"({"batchref": "b1", "qty": 4, "message_id": "first"})");
  service.bus.handle(CreateBatch{"b2", "RUG", 10, std::nullopt});
  for (int i = 0; i < 100'000; ++i) {
    consumer.handle_message(R"({"batchref": "b2", "qty": 5, "message_id": "m)" + std::to_string(i) +
                            R"("})");
  }
  log.str("");
  consumer.handle_message(R"({"batchref": "b1", "qty": 6, "message_id": "first"})");
  EXPECT_EQ(purchased("b1"), 6) << log.str();
}

}  // namespace
}  // namespace allocation::entrypoints
