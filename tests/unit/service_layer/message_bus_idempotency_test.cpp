// MessageBus::handle_once: a request with an idempotency key is worked at most once (SPEC §8).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "allocation/adapters/in_memory/in_memory_idempotency_keys.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/message_bus.hpp"
#include "support/fake_service.hpp"
#include "support/test_time.hpp"

namespace allocation::service_layer {
namespace {

using namespace std::chrono_literals;
using domain::commands::Allocate;
using domain::commands::CancelOrder;
using domain::commands::CreateBatch;
using domain::commands::SetWarehousePriority;

class HandleOnce : public ::testing::Test {
 protected:
  testing::FakeService service;
  const MessageBus& bus = service.bus;
  std::atomic<int> renders = 0;

  static KeyedRequest request(std::string key, std::string fingerprint = "f1",
                              domain::Instant at = kTestNow) {
    return {std::move(key), std::move(fingerprint), at};
  }

  // An answer that names the batch, counting how often it is rendered: once per work done.
  KeyedAnswer allocate(const KeyedRequest& keyed, const Allocate& command) {
    return bus.handle_once(command, keyed, [&](const Allocation& allocation) {
      ++renders;
      return RecordedAnswer{202, allocation.batchref.value_or("none")};
    });
  }

  int allocated(const std::string& sku = "LAMP") const {
    return service.store->find(sku)->batches().front().allocated_quantity();
  }
};

TEST_F(HandleOnce, TheFirstRequestIsWorkedAndItsRetryGetsTheSameAnswerWithoutTheWork) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const auto first = allocate(request("k1"), {"o1", "LAMP", 3});
  EXPECT_EQ(first.answer, (RecordedAnswer{202, "b1"}));
  EXPECT_FALSE(first.replayed);
  const int commits = service.store->commits();
  const auto events = service.publisher->published().size();

  const auto retry = allocate(request("k1"), {"o1", "LAMP", 3});
  EXPECT_EQ(retry.answer, first.answer);
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(service.publisher->published().size(), events);  // no event handled again
  EXPECT_EQ(allocated(), 3);
}

TEST_F(HandleOnce, TheKeyWithAnotherFingerprintIsRefusedAndChangesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  allocate(request("k1"), {"o1", "LAMP", 3});
  EXPECT_THROW(allocate(request("k1", "f2"), {"o1", "LAMP", 4}), IdempotencyKeyReused);
  EXPECT_EQ(allocated(), 3);
  EXPECT_EQ(renders, 1);
}

TEST_F(HandleOnce, AnAnswerRecordedMoreThan24HoursAgoIsForgottenAndTheRequestIsNew) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  allocate(request("k1"), {"o1", "LAMP", 3});
  // At exactly 24 h it is still live; a millisecond later it is not, even for another body.
  EXPECT_TRUE(allocate(request("k1", "f1", kTestNow + 24h), {"o1", "LAMP", 3}).replayed);
  const auto later = allocate(request("k1", "f2", kTestNow + 24h + 1ms), {"o2", "LAMP", 2});
  EXPECT_FALSE(later.replayed);
  EXPECT_EQ(allocated(), 5);
  // The new answer is live from its own time.
  EXPECT_TRUE(allocate(request("k1", "f2", kTestNow + 47h), {"o2", "LAMP", 2}).replayed);
}

TEST_F(HandleOnce, ARefusedCommandRecordsNothingAndItsRetryIsWorked) {
  EXPECT_THROW(allocate(request("k1"), {"o1", "LAMP", 3}), InvalidSku);
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_FALSE(allocate(request("k1"), {"o1", "LAMP", 3}).replayed);
  EXPECT_EQ(allocated(), 3);
}

TEST_F(HandleOnce, WorkThatChangesNothingRecordsItsAnswerAlone) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const int commits = service.store->commits();
  const auto render = [](bool added) { return RecordedAnswer{added ? 201 : 200, ""}; };
  const auto again =
      bus.handle_once(CreateBatch{"b1", "LAMP", 10, std::nullopt}, request("k1"), render);
  EXPECT_EQ(again.answer.status, 200);
  EXPECT_FALSE(again.replayed);
  EXPECT_EQ(service.store->commits(), commits) << "no product written";
  EXPECT_TRUE(service.store->answer_to(request("k1")));
  // The key now answers what it answered, and refuses another request.
  EXPECT_TRUE(
      bus.handle_once(CreateBatch{"b1", "LAMP", 10, std::nullopt}, request("k1"), render).replayed);
  EXPECT_THROW(
      bus.handle_once(CreateBatch{"b2", "LAMP", 5, std::nullopt}, request("k1", "f2"), render),
      IdempotencyKeyReused);
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(service.store->find("LAMP")->batches().size(), 1u);
}

TEST_F(HandleOnce, ACommandWithoutAResultIsAnsweredFromNothing) {
  const auto first = bus.handle_once(SetWarehousePriority{"north", 3}, request("k1"), [] {
    return RecordedAnswer{200, "north"};
  });
  EXPECT_FALSE(first.replayed);
  const auto again = bus.handle_once(SetWarehousePriority{"north", 3}, request("k1"), [] {
    return RecordedAnswer{500, "rendered again"};
  });
  EXPECT_EQ(again.answer, (RecordedAnswer{200, "north"}));
  EXPECT_TRUE(again.replayed);
}

TEST_F(HandleOnce, ACommandAcrossProductsRecordsItsAnswerAfterItsWork) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(CreateBatch{"b2", "TABLE", 10, std::nullopt});
  bus.handle(Allocate{"o1", "LAMP", 2});
  bus.handle(Allocate{"o1", "TABLE", 1});
  const auto render = [](const std::vector<domain::events::Released>& released) {
    return RecordedAnswer{200, std::to_string(released.size()) + " released"};
  };
  const auto first = bus.handle_once(CancelOrder{"o1"}, request("k1"), render);
  EXPECT_EQ(first.answer.body, "2 released");
  // The work done again would release nothing: the retry gets the first answer.
  const auto again = bus.handle_once(CancelOrder{"o1"}, request("k1"), render);
  EXPECT_EQ(again.answer.body, "2 released");
  EXPECT_TRUE(again.replayed);
  EXPECT_THROW(bus.handle_once(CancelOrder{"o1"}, request("k1", "f2"), render),
               IdempotencyKeyReused);
}

TEST_F(HandleOnce, ThreadsSendingOneKeyAtOnceGetOneAnswerAndTheWorkIsDoneOnce) {
  bus.handle(CreateBatch{"b1", "LAMP", 100, std::nullopt});
  constexpr int kThreads = 8;
  std::vector<KeyedAnswer> answers(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { answers[t] = allocate(request("k1"), {"o1", "LAMP", 5}); });
  }
  for (auto& thread : threads) thread.join();
  int worked = 0;
  for (const auto& answer : answers) {
    EXPECT_EQ(answer.answer, (RecordedAnswer{202, "b1"}));
    worked += answer.replayed ? 0 : 1;
  }
  EXPECT_EQ(worked, 1);
  EXPECT_EQ(allocated(), 5);
}

TEST_F(HandleOnce, TheSweepForgetsOnlyAnswersOlderThanTheCutoff) {
  bus.handle(CreateBatch{"b1", "LAMP", 100, std::nullopt});
  allocate(request("old", "f1", kTestNow - 25h), {"o1", "LAMP", 1});
  allocate(request("new", "f1", kTestNow), {"o2", "LAMP", 1});
  adapters::InMemoryIdempotencyKeys keys(service.store);
  EXPECT_EQ(keys.forget_before(kTestNow - 24h, 10), 1);
  EXPECT_EQ(keys.forget_before(kTestNow - 24h, 10), 0);
  EXPECT_FALSE(service.store->answer_to(request("old", "f1", kTestNow - 25h)));
  EXPECT_TRUE(service.store->answer_to(request("new")));
}

}  // namespace
}  // namespace allocation::service_layer
