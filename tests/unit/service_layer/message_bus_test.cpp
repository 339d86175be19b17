#include "allocation/service_layer/message_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/in_memory/scripted_random.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/handlers.hpp"
#include "support/fake_service.hpp"
#include "support/test_time.hpp"

namespace allocation::service_layer {
namespace {

using namespace allocation::domain;
using namespace std::chrono_literals;
using Range = adapters::ScriptedRandom::Range;

// A command without a handler does not compile: the table takes exactly one per command.
static_assert(!std::is_default_constructible_v<CommandHandlers>);
static_assert(
    !std::is_constructible_v<
        CommandHandlers, CommandHandler<commands::CreateBatch>, CommandHandler<commands::Allocate>,
        CommandHandler<commands::ChangeBatchQuantity>, CommandHandler<commands::Deallocate>>);
static_assert(
    std::is_constructible_v<
        CommandHandlers, CommandHandler<commands::CreateBatch>, CommandHandler<commands::Allocate>,
        CommandHandler<commands::ChangeBatchQuantity>, CommandHandler<commands::Deallocate>,
        CommandHandler<commands::CancelOrder>, CommandHandler<commands::SetProductPolicy>,
        CommandHandler<commands::Reserve>, CommandHandler<commands::ExtendReservation>,
        CommandHandler<commands::ReleaseReservation>, CommandHandler<commands::ExpireReservations>,
        CommandHandler<commands::ExpireProductReservations>,
        CommandHandler<commands::SetWarehousePriority>>);
// Only commands can be handled.
static_assert(CommandType<commands::Allocate>);
static_assert(!CommandType<events::Allocated>);
static_assert(!CommandType<int>);

// The tests here do not cancel orders (handlers_test does, with the store's order lines).
std::vector<events::Released> cancel_nothing(const commands::CancelOrder&, const MessageBus&) {
  return {};
}

// The handlers that take the time, at kTestNow: no hold expires in these tests.
bool add_batch(const commands::CreateBatch& c, UnitOfWork& uow) {
  return handlers::add_batch(c, uow, kTestNow);
}
std::vector<events::Released> deallocate(const commands::Deallocate& c, UnitOfWork& uow) {
  return handlers::deallocate(c, uow, kTestNow);
}
Allocation allocate(const commands::Allocate& c, UnitOfWork& uow) {
  return handlers::allocate(c, uow, kTestNow);
}
bool change_batch_quantity(const commands::ChangeBatchQuantity& c, UnitOfWork& uow) {
  return handlers::change_batch_quantity(c, uow, kTestNow);
}
void reallocate(const events::Deallocated& e, UnitOfWork& uow) {
  handlers::reallocate(e, uow, kTestNow);
}

// The real handlers but for `add_batch` and `allocate`; holds are not these tests' business.
CommandHandlers command_handlers(CommandHandler<commands::CreateBatch> add_batch,
                                 CommandHandler<commands::Allocate> allocate) {
  return CommandHandlers(
      std::move(add_batch), std::move(allocate), change_batch_quantity, deallocate, cancel_nothing,
      handlers::set_product_policy,
      [](const commands::Reserve& c, UnitOfWork& uow) {
        return handlers::reserve(c, uow, kTestNow, [] { return std::string("r-1"); });
      },
      [](const commands::ExtendReservation& c, UnitOfWork& uow) {
        return handlers::extend_reservation(c, uow, kTestNow);
      },
      [](const commands::ReleaseReservation& c, UnitOfWork& uow) {
        return handlers::release_reservation(c, uow, kTestNow);
      },
      [](const commands::ExpireReservations&, const MessageBus&) { return 0; },
      [](const commands::ExpireProductReservations& c, UnitOfWork& uow) {
        return handlers::expire_product_reservations(c, uow, kTestNow);
      },
      handlers::set_warehouse_priority);
}

CommandHandlers real_command_handlers() { return command_handlers(add_batch, allocate); }

class Bus : public ::testing::Test {
 protected:
  std::shared_ptr<adapters::InMemoryStore> store = std::make_shared<adapters::InMemoryStore>();
  EventHandlers events;
  std::vector<std::string> calls;
  // The retries' pauses: drawn from a script (0 once it is used up), recorded and not slept.
  std::shared_ptr<adapters::ScriptedRandom> random = std::make_shared<adapters::ScriptedRandom>();
  std::shared_ptr<adapters::RecordingClock> clock = std::make_shared<adapters::RecordingClock>();

  RetryPauses pauses() const { return {random, clock}; }

  MessageBus bus(RetryPolicy retry = {}, BusObserver observer = {}) {
    return MessageBus(std::make_shared<adapters::InMemoryUnitsOfWork>(store),
                      real_command_handlers(), events, pauses(), retry, std::move(observer));
  }

  // The command handlers, with a CreateBatch that loses its race on its first `losses` attempts
  // (every attempt, by default), counting them in `attempts`.
  CommandHandlers losing_races(int& attempts, int losses = INT32_MAX) {
    return command_handlers(
        [&attempts, losses](const commands::CreateBatch& c, UnitOfWork& uow) {
          if (++attempts <= losses) throw ConcurrencyError("lost");
          return handlers::add_batch(c, uow, kTestNow);
        },
        allocate);
  }
};

TEST_F(Bus, AFailingEventHandlerDoesNotStopTheOthers) {
  events
      .on<events::Allocated>(
          "first", [&](const events::Allocated&, UnitOfWork&) { calls.push_back("first"); })
      .on<events::Allocated>("broken",
                             [&](const events::Allocated&, UnitOfWork&) {
                               calls.push_back("broken");
                               throw std::runtime_error("smtp down");
                             })
      .on<events::Allocated>(
          "last", [&](const events::Allocated&, UnitOfWork&) { calls.push_back("last"); });
  std::vector<std::string> failed;
  auto b = bus({}, BusObserver{{}, [&](std::string_view name) { failed.emplace_back(name); }});
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_EQ(b.handle(commands::Allocate{"o1", "LAMP", 1}), "b1");
  EXPECT_EQ(calls, (std::vector<std::string>{"first", "broken", "last"}));
  EXPECT_EQ(failed, std::vector<std::string>{"broken"});
}

TEST_F(Bus, EventsRaisedWhileHandlingAreProcessedInOrderBeforeHandleReturns) {
  events
      .on<events::Deallocated>("log-deallocated",
                               [&](const events::Deallocated& e, UnitOfWork&) {
                                 calls.push_back("deallocated " + e.orderid);
                               })
      .on<events::Deallocated>("reallocate", reallocate)
      .on<events::Allocated>("log-allocated", [&](const events::Allocated& e, UnitOfWork&) {
        calls.push_back("allocated " + e.orderid + " to " + e.batchref);
      });
  auto b = bus();
  b.handle(commands::CreateBatch{"wh", "LAMP", 10, std::nullopt});
  b.handle(commands::CreateBatch{"ship", "LAMP", 10, parse_date("2031-01-01")});
  b.handle(commands::Allocate{"o1", "LAMP", 4});
  b.handle(commands::Allocate{"o2", "LAMP", 4});
  calls.clear();
  b.handle(commands::ChangeBatchQuantity{"wh", 0});
  EXPECT_EQ(calls, (std::vector<std::string>{"deallocated o2", "deallocated o1",
                                             "allocated o2 to ship", "allocated o1 to ship"}));
}

TEST_F(Bus, ACommandErrorReachesTheCaller) {
  auto b = bus();
  EXPECT_THROW(b.handle(commands::Allocate{"o1", "NOPE", 1}), InvalidSku);
  // Also through the variant, as a broker consumer calls it.
  EXPECT_THROW(b.handle(Command{commands::Allocate{"o1", "NOPE", 1}}), InvalidSku);
}

TEST_F(Bus, NoEventsLeaveAUnitOfWorkThatDidNotCommit) {
  events.on<events::Allocated>(
      "count", [&](const events::Allocated&, UnitOfWork&) { calls.push_back("allocated"); });
  CommandHandlers commands =
      command_handlers(add_batch, [](const commands::Allocate& c, UnitOfWork& uow) -> Allocation {
        auto ref =
            uow.products().get(c.sku)->allocate(OrderLine(c.orderid, c.sku, c.qty), kTestNow);
        throw std::runtime_error("failed before commit");
        return {ref, false};
      });
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), std::move(commands), events,
               pauses());
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_THROW(b.handle(commands::Allocate{"o1", "LAMP", 1}), std::runtime_error);
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(store->find("LAMP")->batch("b1")->available_quantity(), 10);
}

// The store's units of work, recording the product each perform() is told.
class RecordingUnitsOfWork final : public UnitsOfWork {
 public:
  explicit RecordingUnitsOfWork(std::shared_ptr<adapters::InMemoryStore> store)
      : inner_(std::move(store)) {}

  using UnitsOfWork::perform;
  std::vector<Event> perform(std::optional<std::string_view> product, const Work& work) override {
    performed.emplace_back(product);
    return inner_.perform(product, work);
  }

  std::vector<std::optional<std::string>> performed;

 private:
  adapters::InMemoryUnitsOfWork inner_;
};

// A handler taking the event alone (a mail, a counter) is a side effect: it gets no unit of
// work, so on a database it holds no connection while it waits on something else.
TEST_F(Bus, ASideEffectRunsWithoutAUnitOfWork) {
  auto recording = std::make_shared<RecordingUnitsOfWork>(store);
  events.on<events::Allocated>("mail",
                               [&](const events::Allocated& e) { calls.push_back(e.orderid); });
  MessageBus b(recording, real_command_handlers(), events, pauses());
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  recording->performed.clear();
  EXPECT_EQ(b.handle(commands::Allocate{"o1", "LAMP", 1}), "b1");
  EXPECT_EQ(calls, (std::vector<std::string>{"o1"}));
  EXPECT_EQ(recording->performed.size(), 1u) << "the command's only";
}

// Taking turns is the store's business: the bus only tells it the product, when the message
// names it before anything is loaded.
TEST_F(Bus, TellsTheUnitOfWorkTheProductAMessageChanges) {
  auto recording = std::make_shared<RecordingUnitsOfWork>(store);
  events.on<events::Deallocated>("reallocate", reallocate);
  MessageBus b(recording, real_command_handlers(), events, pauses());
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  b.handle(commands::CreateBatch{"b2", "LAMP", 10, parse_date("2031-01-01")});
  b.handle(commands::Allocate{"o1", "LAMP", 4});
  b.handle(commands::ChangeBatchQuantity{"b1", 0});  // by reference: its product is not known
  EXPECT_EQ(recording->performed,
            (std::vector<std::optional<std::string>>{"LAMP", "LAMP", "LAMP", std::nullopt,
                                                     "LAMP" /* reallocate o1 */}));
  EXPECT_EQ(store->find("LAMP")->batch("b2")->available_quantity(), 6);
}

TEST_F(Bus, RetriesACommandThatLostARaceInAFreshUnitOfWork) {
  int attempts = 0;
  std::atomic<int> retries = 0;
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), losing_races(attempts, 2),
               events, pauses(), {}, BusObserver{[&] { ++retries; }, {}});
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(retries, 2);
  EXPECT_EQ(clock->slept().size(), 2u) << "one pause before each retry";
  EXPECT_TRUE(store->find("LAMP"));
}

TEST_F(Bus, PausesBeforeEachRetryForADrawInARangeThatDoublesUpToTheCap) {
  // Draws at the ends and inside each range: the top of the range is a possible pause.
  random = std::make_shared<adapters::ScriptedRandom>(
      std::vector<std::int64_t>{200, 0, 799, 1000, 1000, 1});
  int attempts = 0;
  std::atomic<int> retries = 0;
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), losing_races(attempts, 6),
               events, pauses(),
               RetryPolicy{.max_attempts = 10, .first_backoff = 100us, .max_backoff = 1000us},
               BusObserver{[&] { ++retries; }, {}});
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_EQ(attempts, 7);
  EXPECT_EQ(retries, 6);
  // [0, ceiling], the ceiling doubling from first_backoff (the first retry's is already twice
  // it) and capped at max_backoff.
  EXPECT_EQ(random->asked(),
            (std::vector<Range>{{0, 200}, {0, 400}, {0, 800}, {0, 1000}, {0, 1000}, {0, 1000}}));
  EXPECT_EQ(clock->slept(), (std::vector{200us, 0us, 799us, 1000us, 1000us, 1us}));
  EXPECT_TRUE(store->find("LAMP"));
}

TEST_F(Bus, GivesUpAfterTheLastAttempt) {
  int attempts = 0;
  std::atomic<int> retries = 0;
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), losing_races(attempts),
               events, pauses(),
               RetryPolicy{.max_attempts = 4, .first_backoff = 1us, .max_backoff = 10us},
               BusObserver{[&] { ++retries; }, {}});
  EXPECT_THROW(b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt}), ConcurrencyError);
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(retries, 3);
  EXPECT_EQ(clock->slept().size(), 3u) << "no pause after the last attempt";
  EXPECT_EQ(random->asked(), (std::vector<Range>{{0, 2}, {0, 4}, {0, 8}}));
  EXPECT_FALSE(store->find("LAMP"));
}

TEST_F(Bus, AnEventHandlerThatLosesItsRacesIsRetriedAndThenLoggedLikeAnyFailure) {
  int attempts = 0;
  std::vector<std::string> failed;
  std::atomic<int> retries = 0;
  events.on<events::Allocated>("loses", [&](const events::Allocated&, UnitOfWork&) {
    ++attempts;
    throw ConcurrencyError("lost");
  });
  auto b =
      bus(RetryPolicy{.max_attempts = 3},
          BusObserver{[&] { ++retries; }, [&](std::string_view n) { failed.emplace_back(n); }});
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_EQ(b.handle(commands::Allocate{"o1", "LAMP", 1}), "b1") << "the command committed";
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(retries, 2);
  EXPECT_EQ(clock->slept().size(), 2u);
  EXPECT_EQ(failed, std::vector<std::string>{"loses"});
}

TEST_F(Bus, NoPauseWhenNothingLostARace) {
  auto b = bus();
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  b.handle(commands::Allocate{"o1", "LAMP", 1});
  EXPECT_TRUE(clock->slept().empty());
  EXPECT_TRUE(random->asked().empty());
}

// Pauses of an hour each: the clock is told them, and the test does not wait for them (with a
// clock that slept, ctest's timeout would fail it first).
TEST_F(Bus, NoTimePassesWhileTheBusPausesOnTheClockOfTests) {
  random = std::make_shared<adapters::ScriptedRandom>(std::vector<std::int64_t>{
      std::chrono::microseconds(1h).count(), std::chrono::microseconds(1h).count()});
  int attempts = 0;
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), losing_races(attempts),
               events, pauses(),
               RetryPolicy{.max_attempts = 3, .first_backoff = 1h, .max_backoff = 1h});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt}), ConcurrencyError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(clock->slept(), (std::vector<std::chrono::microseconds>{1h, 1h}));
}

TEST_F(Bus, NeedsARandomSourceAndAClock) {
  EXPECT_THROW(MessageBus(std::make_shared<adapters::InMemoryUnitsOfWork>(store),
                          real_command_handlers(), events, {nullptr, clock}),
               std::invalid_argument);
  EXPECT_THROW(MessageBus(std::make_shared<adapters::InMemoryUnitsOfWork>(store),
                          real_command_handlers(), events, {random, nullptr}),
               std::invalid_argument);
}

// The formula, alone: full jitter over a range that doubles with each attempt, capped.
TEST(BackoffCeiling, DoublesFirstBackoffWithEachAttemptUpToMaxBackoff) {
  const RetryPolicy policy{.max_attempts = 20, .first_backoff = 100us, .max_backoff = 20'000us};
  std::vector<std::chrono::microseconds> ceilings;
  for (int attempt = 1; attempt <= 10; ++attempt)
    ceilings.push_back(backoff_ceiling(policy, attempt));
  EXPECT_EQ(ceilings, (std::vector{200us, 400us, 800us, 1600us, 3200us, 6400us, 12'800us, 20'000us,
                                   20'000us, 20'000us}));
}

TEST(BackoffCeiling, ACapThatIsNotADoublingOfTheFirstBackoffIsReachedExactly) {
  const RetryPolicy policy{.first_backoff = 300us, .max_backoff = 1000us};
  EXPECT_EQ(backoff_ceiling(policy, 1), 600us);
  EXPECT_EQ(backoff_ceiling(policy, 2), 1000us);
}

TEST(BackoffCeiling, StopsDoublingAfterTwentyAttemptsSoTheShiftNeverOverflows) {
  const RetryPolicy policy{.first_backoff = 1us, .max_backoff = 24h};
  EXPECT_EQ(backoff_ceiling(policy, 20), std::chrono::microseconds(1 << 20));
  EXPECT_EQ(backoff_ceiling(policy, 21), std::chrono::microseconds(1 << 20));
  EXPECT_EQ(backoff_ceiling(policy, 1000), std::chrono::microseconds(1 << 20));
}

TEST(JitteredBackoff, IsTheDrawFromZeroToTheCeiling) {
  const RetryPolicy policy{.first_backoff = 100us, .max_backoff = 1000us};
  adapters::ScriptedRandom random({0, 400, 1000});
  EXPECT_EQ(jittered_backoff(policy, 1, random), 0us);
  EXPECT_EQ(jittered_backoff(policy, 2, random), 400us);
  EXPECT_EQ(jittered_backoff(policy, 5, random), 1000us);
  EXPECT_EQ(random.asked(), (std::vector<Range>{{0, 200}, {0, 400}, {0, 1000}}));
}

}  // namespace
}  // namespace allocation::service_layer
