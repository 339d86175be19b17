#include "allocation/service_layer/message_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/handlers.hpp"
#include "support/fake_service.hpp"

namespace allocation::service_layer {
namespace {

using namespace allocation::domain;

// A command without a handler does not compile: the table takes exactly one per command.
static_assert(!std::is_default_constructible_v<CommandHandlers>);
static_assert(!std::is_constructible_v<CommandHandlers, CommandHandler<commands::CreateBatch>,
                                       CommandHandler<commands::Allocate>>);
static_assert(std::is_constructible_v<CommandHandlers, CommandHandler<commands::CreateBatch>,
                                      CommandHandler<commands::Allocate>,
                                      CommandHandler<commands::ChangeBatchQuantity>>);
// Only commands can be handled.
static_assert(CommandType<commands::Allocate>);
static_assert(!CommandType<events::Allocated>);
static_assert(!CommandType<int>);

CommandHandlers real_command_handlers() {
  return CommandHandlers(handlers::add_batch, handlers::allocate, handlers::change_batch_quantity);
}

class Bus : public ::testing::Test {
 protected:
  std::shared_ptr<adapters::InMemoryStore> store = std::make_shared<adapters::InMemoryStore>();
  EventHandlers events;
  std::vector<std::string> calls;

  MessageBus bus(RetryPolicy retry = {}, BusObserver observer = {}) {
    return MessageBus(std::make_shared<adapters::InMemoryUnitsOfWork>(store),
                      real_command_handlers(), events, retry, std::move(observer));
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
      .on<events::Deallocated>("reallocate", handlers::reallocate)
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
  CommandHandlers commands(
      handlers::add_batch,
      [](const commands::Allocate& c, UnitOfWork& uow) -> std::optional<std::string> {
        auto ref = uow.products().get(c.sku)->allocate(OrderLine(c.orderid, c.sku, c.qty));
        throw std::runtime_error("failed before commit");
        return ref;
      },
      handlers::change_batch_quantity);
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), std::move(commands), events);
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
  MessageBus b(recording, real_command_handlers(), events);
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
  events.on<events::Deallocated>("reallocate", handlers::reallocate);
  MessageBus b(recording, real_command_handlers(), events);
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
  CommandHandlers commands(
      [&](const commands::CreateBatch& c, UnitOfWork& uow) {
        if (++attempts < 3) throw ConcurrencyError("lost");
        handlers::add_batch(c, uow);
      },
      handlers::allocate, handlers::change_batch_quantity);
  std::atomic<int> retries = 0;
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), std::move(commands), events,
               {}, BusObserver{[&] { ++retries; }, {}});
  b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(retries, 2);
  EXPECT_TRUE(store->find("LAMP"));
}

TEST_F(Bus, GivesUpAfterTheLastAttempt) {
  int attempts = 0;
  CommandHandlers commands(
      [&](const commands::CreateBatch&, UnitOfWork&) {
        ++attempts;
        throw ConcurrencyError("always lost");
      },
      handlers::allocate, handlers::change_batch_quantity);
  MessageBus b(std::make_shared<adapters::InMemoryUnitsOfWork>(store), std::move(commands), events,
               RetryPolicy{.max_attempts = 4,
                           .first_backoff = std::chrono::microseconds(1),
                           .max_backoff = std::chrono::microseconds(10)});
  EXPECT_THROW(b.handle(commands::CreateBatch{"b1", "LAMP", 10, std::nullopt}), ConcurrencyError);
  EXPECT_EQ(attempts, 4);
}

}  // namespace
}  // namespace allocation::service_layer
