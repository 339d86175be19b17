#include "allocation/service_layer/handlers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "allocation/adapters/in_memory/in_memory_stock_ledger.hpp"
#include "allocation/adapters/in_memory/in_memory_warehouses.hpp"
#include "allocation/domain/errors.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/fake_service.hpp"
#include "support/print_external_message.hpp"
#include "support/test_time.hpp"

namespace allocation::service_layer {
namespace {

using domain::commands::Allocate;
using domain::commands::CancelOrder;
using domain::commands::ChangeBatchQuantity;
using domain::commands::CreateBatch;
using domain::commands::Deallocate;
using domain::commands::ExpireReservations;
using domain::commands::ExtendReservation;
using domain::commands::ReleaseReservation;
using domain::commands::Reserve;
using domain::commands::SetProductPolicy;
using domain::commands::SetWarehousePriority;
using Rows = std::vector<AllocationRow>;

const auto kTomorrow = domain::parse_date("2030-01-02");
const auto kLater = domain::parse_date("2030-02-01");

class Handlers : public ::testing::Test {
 protected:
  testing::FakeService service;
  const MessageBus& bus = service.bus;

  // order1's 20 INDIFFERENT-TABLE taken off batch1 (down to 10) by a commit made outside the
  // bus: as if the process died before the event handlers ran, its reallocation is pending
  // until recover().
  void leave_a_reallocation_pending() {
    bus.handle(CreateBatch{"batch1", "INDIFFERENT-TABLE", 50, std::nullopt});
    bus.handle(CreateBatch{"batch2", "INDIFFERENT-TABLE", 50, kTomorrow});
    bus.handle(Allocate{"order1", "INDIFFERENT-TABLE", 20});
    service.units_of_work->perform([](UnitOfWork& uow) {
      uow.products().get_by_batchref("batch1")->change_batch_quantity("batch1", 10, kTestNow);
      uow.commit();
    });
  }

  int available(const std::string& sku, const std::string& ref) const {
    return service.store->find(sku)->batch(ref)->available_quantity();
  }
};

TEST_F(Handlers, AddBatchForNewProduct) {
  bus.handle(CreateBatch{"b1", "CRUNCHY-ARMCHAIR", 100, std::nullopt});
  auto product = service.store->find("CRUNCHY-ARMCHAIR");
  ASSERT_TRUE(product);
  EXPECT_EQ(product->batches().size(), 1u);
  EXPECT_EQ(service.store->commits(), 1);
}

TEST_F(Handlers, AddBatchForExistingProduct) {
  bus.handle(CreateBatch{"b1", "GARISH-RUG", 100, std::nullopt});
  bus.handle(CreateBatch{"b2", "GARISH-RUG", 99, kTomorrow});
  auto product = service.store->find("GARISH-RUG");
  ASSERT_EQ(product->batches().size(), 2u);
  EXPECT_EQ(product->batches()[1].reference(), "b2");
  EXPECT_EQ(product->batches()[1].eta(), kTomorrow);
}

TEST_F(Handlers, AddingTheSameBatchTwiceIsANoOp) {
  bus.handle(CreateBatch{"b1", "RUG", 100, kTomorrow});
  bus.handle(CreateBatch{"b1", "RUG", 100, kTomorrow});
  EXPECT_EQ(service.store->find("RUG")->batches().size(), 1u);
  EXPECT_EQ(service.store->commits(), 1);
}

TEST_F(Handlers, SameReferenceWithOtherDataIsAConflictAndChangesNothing) {
  bus.handle(CreateBatch{"b1", "RUG", 100, std::nullopt});
  EXPECT_THROW(bus.handle(CreateBatch{"b1", "RUG", 101, std::nullopt}), domain::BatchConflict);
  EXPECT_THROW(bus.handle(CreateBatch{"b1", "LAMP", 100, std::nullopt}), domain::BatchConflict);
  EXPECT_FALSE(service.store->find("LAMP"));
  EXPECT_EQ(service.store->find("RUG")->batch("b1")->purchased_quantity(), 100);
}

TEST_F(Handlers, AllocateReturnsTheBatch) {
  bus.handle(CreateBatch{"batch1", "COMPLICATED-LAMP", 100, std::nullopt});
  EXPECT_EQ(bus.handle(Allocate{"o1", "COMPLICATED-LAMP", 10}), "batch1");
  EXPECT_EQ(available("COMPLICATED-LAMP", "batch1"), 90);
}

TEST_F(Handlers, AllocateCommits) {
  bus.handle(CreateBatch{"b1", "OMINOUS-MIRROR", 100, std::nullopt});
  const int before = service.store->commits();
  bus.handle(Allocate{"o1", "OMINOUS-MIRROR", 10});
  EXPECT_EQ(service.store->commits(), before + 1);
}

TEST_F(Handlers, AllocateErrorsForInvalidSkuAndChangesNothing) {
  bus.handle(CreateBatch{"b1", "AREALSKU", 100, std::nullopt});
  try {
    bus.handle(Allocate{"o1", "NONEXISTENTSKU", 10});
    FAIL() << "no error";
  } catch (const InvalidSku& error) {
    EXPECT_STREQ(error.what(), "Invalid sku NONEXISTENTSKU");
  }
  EXPECT_EQ(service.store->commits(), 1);
  EXPECT_TRUE(service.read_model->allocations("o1").empty());
}

TEST_F(Handlers, AllocateUpdatesTheReadModelAndPublishes) {
  bus.handle(CreateBatch{"sku1batch", "sku1", 50, std::nullopt});
  bus.handle(CreateBatch{"sku2batch", "sku2", 50, kTomorrow});
  bus.handle(Allocate{"order1", "sku1", 20});
  bus.handle(Allocate{"order1", "sku2", 20});
  EXPECT_EQ(service.read_model->allocations("order1"),
            (Rows{{"sku1", "sku1batch"}, {"sku2", "sku2batch"}}));
  auto published = service.publisher->published();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0],
            (ExternalMessage{
                "line_allocated",
                {{"orderid", "order1"}, {"sku", "sku1"}, {"qty", 20}, {"batchref", "sku1batch"}}}));
}

TEST_F(Handlers, AllocatingTheSameLineAgainReturnsTheSameBatchAndChangesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 3}), "b1");
  const int commits = service.store->commits();
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 3}), "b1");
  EXPECT_EQ(available("LAMP", "b1"), 7);
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(service.publisher->published().size(), 1u);
}

TEST_F(Handlers, AllocatingTheSameOrderAndSkuWithAnotherQtyIsAConflictAndChangesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 3}), "b1");
  const int commits = service.store->commits();
  const int version = service.store->find("LAMP")->version_number();
  try {
    bus.handle(Allocate{"o1", "LAMP", 5});
    FAIL() << "no error";
  } catch (const domain::LineConflict& error) {
    EXPECT_STREQ(error.what(),
                 "order o1 already has 3 of LAMP; allocating it again must ask for the same qty");
  }
  EXPECT_EQ(available("LAMP", "b1"), 7);
  EXPECT_EQ(service.store->find("LAMP")->version_number(), version);
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(service.publisher->published().size(), 1u);
  EXPECT_EQ(service.read_model->allocations("o1"), (Rows{{"LAMP", "b1"}}));
  EXPECT_TRUE(service.notifications->sent().empty());
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 3}), "b1") << "the same line stays retry-safe";
}

TEST_F(Handlers, OutOfStockReturnsNoBatchAndNotifiesNamingTheSku) {
  bus.handle(CreateBatch{"b1", "POPULAR-CURTAINS", 9, std::nullopt});
  EXPECT_EQ(bus.handle(Allocate{"o1", "POPULAR-CURTAINS", 10}), std::nullopt);
  auto sent = service.notifications->sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].body, "Out of stock for POPULAR-CURTAINS");
  EXPECT_NE(sent[0].subject.find("POPULAR-CURTAINS"), std::string::npos);
  EXPECT_EQ(available("POPULAR-CURTAINS", "b1"), 9);
  EXPECT_TRUE(service.read_model->allocations("o1").empty());
}

// SPEC §7.4: once per SKU until it is back in stock, not once per refused request.
TEST_F(Handlers, TheStockTeamHearsOncePerSkuUntilItIsBackInStock) {
  bus.handle(CreateBatch{"b1", "LAMP", 1, std::nullopt});
  for (const char* orderid : {"o1", "o2", "o3"}) {
    EXPECT_EQ(bus.handle(Allocate{orderid, "LAMP", 5}), std::nullopt);
  }
  EXPECT_EQ(service.notifications->sent().size(), 1u);
  EXPECT_EQ(service.publisher->published(channels::kOutOfStock),
            (std::vector<ExternalMessage>{{channels::kOutOfStock, {{"sku", "LAMP"}}}}));

  bus.handle(ChangeBatchQuantity{"b1", 3});
  EXPECT_EQ(service.publisher->published(channels::kBackInStock),
            (std::vector<ExternalMessage>{
                {channels::kBackInStock, {{"sku", "LAMP"}, {"available", 3}}}}));
  EXPECT_EQ(bus.handle(Allocate{"o4", "LAMP", 5}), std::nullopt);
  EXPECT_EQ(service.notifications->sent().size(), 2u);
  EXPECT_EQ(service.publisher->published(channels::kOutOfStock).size(), 2u);
}

// SPEC §7.4: every line taken off a batch, before its reallocation.
TEST_F(Handlers, ALineTakenOffByAQuantityChangeIsPublishedBeforeItsReallocation) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(CreateBatch{"b2", "LAMP", 10, kTomorrow});
  bus.handle(Allocate{"o1", "LAMP", 6});
  bus.handle(ChangeBatchQuantity{"b1", 2});
  const auto published = service.publisher->published();
  ASSERT_EQ(published.size(), 3u);
  EXPECT_EQ(published[1], (ExternalMessage{channels::kLineDeallocated,
                                           {{"orderid", "o1"},
                                            {"sku", "LAMP"},
                                            {"qty", 6},
                                            {"batchref", "b1"},
                                            {"reason", "batch_changed"}}}));
  EXPECT_EQ(
      published[2],
      (ExternalMessage{channels::kLineAllocated,
                       {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 6}, {"batchref", "b2"}}}));
}

TEST_F(Handlers, ChangeBatchQuantityChangesAvailable) {
  bus.handle(CreateBatch{"batch1", "ADORABLE-SETTEE", 100, std::nullopt});
  bus.handle(ChangeBatchQuantity{"batch1", 50});
  EXPECT_EQ(available("ADORABLE-SETTEE", "batch1"), 50);
}

TEST_F(Handlers, ChangeBatchQuantityReallocatesToTheNextBatch) {
  bus.handle(CreateBatch{"batch1", "INDIFFERENT-TABLE", 50, std::nullopt});
  bus.handle(CreateBatch{"batch2", "INDIFFERENT-TABLE", 50, kTomorrow});
  bus.handle(Allocate{"order1", "INDIFFERENT-TABLE", 20});
  bus.handle(Allocate{"order2", "INDIFFERENT-TABLE", 20});
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch1"), 10);

  bus.handle(ChangeBatchQuantity{"batch1", 25});

  // order2 was the most recent: it moves to batch2; order1 stays.
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch1"), 5);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 30);
  EXPECT_EQ(service.read_model->allocations("order1"), (Rows{{"INDIFFERENT-TABLE", "batch1"}}));
  EXPECT_EQ(service.read_model->allocations("order2"), (Rows{{"INDIFFERENT-TABLE", "batch2"}}));
  auto published = service.publisher->published();
  EXPECT_EQ(published.back(), (ExternalMessage{"line_allocated",
                                               {{"orderid", "order2"},
                                                {"sku", "INDIFFERENT-TABLE"},
                                                {"qty", 20},
                                                {"batchref", "batch2"}}}));
}

TEST_F(Handlers, ReallocationsAreSettledWhenDone) {
  bus.handle(CreateBatch{"batch1", "RARE-VASE", 10, std::nullopt});
  bus.handle(Allocate{"order1", "RARE-VASE", 10});
  bus.handle(ChangeBatchQuantity{"batch1", 5});  // order1 is out of stock now: settled too
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 0u);
}

TEST_F(Handlers, RecoveryReallocatesALineACrashLeftPending) {
  leave_a_reallocation_pending();
  EXPECT_EQ(
      service.store->pending_reallocations(),
      (std::vector<domain::events::Deallocated>{{"order1", "INDIFFERENT-TABLE", 20, "batch1"}}));

  EXPECT_EQ(bus.recover(*service.pending_reallocations), 1u);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 30);
  EXPECT_EQ(service.read_model->allocations("order1"), (Rows{{"INDIFFERENT-TABLE", "batch2"}}));
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  // Once is enough, and twice changes nothing.
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 0u);
  bus.handle(domain::Command(Allocate{"order1", "INDIFFERENT-TABLE", 20}));
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 30);
}

// Between the commit that took a line off and its reallocation, the order was allocated anew
// with another qty: the new line stands, and the reallocation is settled, not stuck.
TEST_F(Handlers, AReallocationOfAnOrderAllocatedAnewWithAnotherQtyIsSettled) {
  leave_a_reallocation_pending();
  EXPECT_EQ(bus.handle(Allocate{"order1", "INDIFFERENT-TABLE", 5}), "batch1");

  EXPECT_EQ(bus.recover(*service.pending_reallocations), 1u);
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch1"), 5);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 50);
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 0u);
}

TEST_F(Handlers, ChangeBatchQuantityWithNowhereToGoIsOutOfStock) {
  bus.handle(CreateBatch{"batch1", "RARE-VASE", 10, std::nullopt});
  bus.handle(Allocate{"order1", "RARE-VASE", 10});
  bus.handle(ChangeBatchQuantity{"batch1", 5});
  EXPECT_EQ(available("RARE-VASE", "batch1"), 5);
  EXPECT_TRUE(service.read_model->allocations("order1").empty());
  ASSERT_EQ(service.notifications->sent().size(), 1u);
  EXPECT_EQ(service.notifications->sent()[0].body, "Out of stock for RARE-VASE");
}

// A broker delivers at least once: a message applied already changes nothing, even after a
// later one (which it would undo), and says so.
TEST_F(Handlers, ChangeBatchQuantityOfAMessageAppliedAlreadyChangesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_TRUE(bus.handle(ChangeBatchQuantity{"b1", 4, "m1"}));
  EXPECT_TRUE(bus.handle(ChangeBatchQuantity{"b1", 7, "m2"}));
  const int commits = service.store->commits();
  EXPECT_FALSE(bus.handle(ChangeBatchQuantity{"b1", 4, "m1"}));
  EXPECT_EQ(available("LAMP", "b1"), 7);
  EXPECT_EQ(service.store->commits(), commits);
  // Without an id, a change is applied each time.
  EXPECT_TRUE(bus.handle(ChangeBatchQuantity{"b1", 4}));
  EXPECT_TRUE(bus.handle(ChangeBatchQuantity{"b1", 4}));
}

// A message whose change failed was not applied: delivered again, it is.
TEST_F(Handlers, AMessageOfAnUnknownBatchIsNotRecordedAsApplied) {
  EXPECT_THROW(bus.handle(ChangeBatchQuantity{"b1", 4, "m1"}), domain::UnknownBatch);
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_TRUE(bus.handle(ChangeBatchQuantity{"b1", 4, "m1"}));
  EXPECT_EQ(available("LAMP", "b1"), 4);
}

TEST_F(Handlers, ChangeBatchQuantityOfUnknownBatchFails) {
  EXPECT_THROW(bus.handle(ChangeBatchQuantity{"ghost", 5}), domain::UnknownBatch);
}

TEST_F(Handlers, InvalidValuesAreRejectedAndChangeNothing) {
  EXPECT_THROW(bus.handle(CreateBatch{"b1", "LAMP", -1, std::nullopt}), std::invalid_argument);
  EXPECT_FALSE(service.store->find("LAMP"));
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_THROW(bus.handle(Allocate{"o1", "LAMP", 0}), std::invalid_argument);
  EXPECT_THROW(bus.handle(ChangeBatchQuantity{"b1", -5}), std::invalid_argument);
  EXPECT_EQ(available("LAMP", "b1"), 10);
  EXPECT_EQ(service.store->commits(), 1);
}

// --- Part two: releasing lines, backorders (SPEC §7.1, §7.2) ---

const SetProductPolicy kBackordersOn{"LAMP", true, std::nullopt};

TEST_F(Handlers, DeallocatingReleasesTheLineAndTellsOtherSystems) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(Allocate{"o1", "LAMP", 4});
  EXPECT_EQ(bus.handle(Deallocate{"o1", "LAMP"}),
            (std::vector<domain::events::Released>{{"o1", "LAMP", 4, "b1"}}));
  EXPECT_EQ(available("LAMP", "b1"), 10);
  EXPECT_TRUE(service.read_model->allocations("o1").empty());
  EXPECT_EQ(service.publisher->published(channels::kLineDeallocated),
            (std::vector<ExternalMessage>{{channels::kLineDeallocated,
                                           {{"orderid", "o1"},
                                            {"sku", "LAMP"},
                                            {"qty", 4},
                                            {"batchref", "b1"},
                                            {"reason", "cancelled"}}}}));
  EXPECT_TRUE(bus.handle(Deallocate{"o1", "LAMP"}).empty()) << "released already";
  EXPECT_THROW(bus.handle(Allocate{"o1", "LAMP", 4}), domain::ReleasedLine);
}

TEST_F(Handlers, DeallocatingALineTheOrderNeverHadIsNotFoundAndChangesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const int commits = service.store->commits();
  try {
    bus.handle(Deallocate{"o1", "LAMP"});
    FAIL() << "no error";
  } catch (const NotFound& error) {
    EXPECT_STREQ(error.what(), "order o1 has no line of LAMP");
  }
  EXPECT_THROW(bus.handle(Deallocate{"o1", "NO-SUCH-SKU"}), NotFound);
  EXPECT_EQ(service.store->commits(), commits);
}

// Taken off by a quantity change, and cancelled before the reallocation ran (a crash).
TEST_F(Handlers, DeallocatingALineWhoseReallocationIsPendingSettlesIt) {
  leave_a_reallocation_pending();
  EXPECT_EQ(
      bus.handle(Deallocate{"order1", "INDIFFERENT-TABLE"}),
      (std::vector<domain::events::Released>{{"order1", "INDIFFERENT-TABLE", 20, std::nullopt}}));
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 0u);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 50) << "not allocated again";
}

TEST_F(Handlers, WithBackordersALineWaitsAndIsAllocatedWhenStockArrives) {
  bus.handle(CreateBatch{"b1", "LAMP", 2, std::nullopt});
  EXPECT_EQ(bus.handle(kBackordersOn), (domain::ProductPolicy{true, std::nullopt}));
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 5}), (Allocation{std::nullopt, true}));
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 5}), (Allocation{std::nullopt, true}))
      << "retry-safe while it waits";
  EXPECT_TRUE(service.read_model->allocations("o1").empty());
  bus.handle(CreateBatch{"b2", "LAMP", 5, kTomorrow});
  EXPECT_EQ(service.read_model->allocations("o1"), (Rows{{"LAMP", "b2"}}));
  EXPECT_EQ(service.publisher->published(channels::kLineAllocated).size(), 1u);
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 5}), "b2");
}

TEST_F(Handlers, ReleasedStockGoesToTheBackorderQueueFirst) {
  bus.handle(CreateBatch{"b1", "LAMP", 4, std::nullopt});
  bus.handle(kBackordersOn);
  bus.handle(Allocate{"o1", "LAMP", 4});
  bus.handle(Allocate{"o2", "LAMP", 3});
  bus.handle(Deallocate{"o1", "LAMP"});
  EXPECT_EQ(service.read_model->allocations("o2"), (Rows{{"LAMP", "b1"}}));
  EXPECT_EQ(bus.handle(Allocate{"o3", "LAMP", 3}), (Allocation{std::nullopt, true}))
      << "1 unit left";
}

TEST_F(Handlers, SettingThePolicyOfAnUnknownSkuIsNotFound) {
  EXPECT_THROW(bus.handle(SetProductPolicy{"NOPE", true, std::nullopt}), NotFound);
  bus.handle(CreateBatch{"b1", "LAMP", 4, std::nullopt});
  EXPECT_EQ(bus.handle(SetProductPolicy{"LAMP", std::nullopt, std::optional<int>(2)}),
            (domain::ProductPolicy{false, 2}));
  EXPECT_EQ(bus.handle(SetProductPolicy{"LAMP", true, std::nullopt}),
            (domain::ProductPolicy{true, 2}))
      << "an absent field stays";
  EXPECT_EQ(
      bus.handle(SetProductPolicy{"LAMP", std::nullopt,
                                  std::optional<std::optional<int>>(std::in_place, std::nullopt)}),
      (domain::ProductPolicy{true, std::nullopt}))
      << "cleared";
  EXPECT_THROW(bus.handle(SetProductPolicy{"LAMP", std::nullopt, std::optional<int>(-1)}),
               std::invalid_argument);
}

TEST_F(Handlers, LowStockIsPublishedWhenAvailableFallsToTheThreshold) {
  bus.handle(CreateBatch{"b1", "LAMP", 5, std::nullopt});
  bus.handle(SetProductPolicy{"LAMP", std::nullopt, std::optional<int>(2)});
  bus.handle(Allocate{"o1", "LAMP", 2});
  EXPECT_TRUE(service.publisher->published(channels::kLowStock).empty());
  bus.handle(Allocate{"o2", "LAMP", 1});
  EXPECT_EQ(service.publisher->published(channels::kLowStock),
            (std::vector<ExternalMessage>{
                {channels::kLowStock, {{"sku", "LAMP"}, {"available", 2}, {"threshold", 2}}}}));
}

// One Deallocate per line, each in a unit of work of its own; again, nothing left to release.
TEST_F(Handlers, CancellingAnOrderReleasesEveryLineInEveryProduct) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(CreateBatch{"d1", "DESK", 1, std::nullopt});
  bus.handle(SetProductPolicy{"DESK", true, std::nullopt});
  bus.handle(Allocate{"o1", "LAMP", 4});
  bus.handle(Allocate{"o1", "DESK", 3});  // waits
  bus.handle(Allocate{"o2", "LAMP", 1});
  EXPECT_EQ(service.order_lines->of_order("o1"),
            (std::vector<OrderLineView>{{"DESK", 3, LineStatus::backordered, {}},
                                        {"LAMP", 4, LineStatus::allocated, {{"b1", 4}}}}));
  const int commits = service.store->commits();
  EXPECT_EQ(bus.handle(CancelOrder{"o1"}),
            (std::vector<domain::events::Released>{{"o1", "DESK", 3, std::nullopt},
                                                   {"o1", "LAMP", 4, "b1"}}));
  EXPECT_EQ(service.store->commits(), commits + 2) << "a unit of work per product";
  EXPECT_EQ(available("LAMP", "b1"), 9);
  EXPECT_EQ(service.order_lines->of_order("o1"),
            (std::vector<OrderLineView>{{"DESK", 3, LineStatus::cancelled, {}},
                                        {"LAMP", 4, LineStatus::cancelled, {}}}));
  EXPECT_TRUE(bus.handle(CancelOrder{"o1"}).empty());
  EXPECT_EQ(service.read_model->allocations("o2"), (Rows{{"LAMP", "b1"}})) << "not o2's";
}

TEST_F(Handlers, CancellingAnOrderNeverSeenIsNotFound) {
  EXPECT_THROW(bus.handle(CancelOrder{"nobody"}), NotFound);
}

// A crash left o1's line taken off its batch, its reallocation pending: cancelling finds it.
TEST_F(Handlers, CancellingAnOrderReleasesALineWhoseReallocationIsPending) {
  leave_a_reallocation_pending();
  EXPECT_EQ(service.order_lines->of_order("order1"),
            (std::vector<OrderLineView>{{"INDIFFERENT-TABLE", 20, LineStatus::allocated, {}}}));
  EXPECT_EQ(bus.handle(CancelOrder{"order1"}).size(), 1u);
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 0u);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 50);
}

// Holds (SPEC §7.3) through the bus. The time is the fake clock's: a hold expires when the test
// moves it on, never by waiting.
class HandlersHolds : public Handlers {
 protected:
  void SetUp() override { service.clock->set_now(kTestNow); }

  // Moves the fake clock on.
  void advance(std::chrono::seconds length) { service.clock->advance(length); }

  // A live hold, made through the bus.
  domain::Hold reserve(const std::string& id, const std::string& sku, int qty,
                       std::chrono::seconds ttl = std::chrono::seconds(60)) {
    return bus.handle(Reserve{id, sku, qty, ttl}).hold;
  }

  int reserved(const std::string& sku, const std::string& ref) const {
    return service.store->find(sku)->batch(ref)->reserved_quantity();
  }

  // What `allocation verify` finds in the in-memory store.
  void expect_ledger_clean() {
    for (const auto& d : adapters::InMemoryStockLedger(service.store).verify().differences) {
      ADD_FAILURE() << "ledger: batch " << d.batchref << " " << d.field << " stored " << d.stored
                    << ", recomputed " << d.recomputed;
    }
  }

  static constexpr std::chrono::seconds kMinute{60};
};

// The units of work of another store, counted by the product each is performed for.
class CountingUnitsOfWork final : public UnitsOfWork {
 public:
  explicit CountingUnitsOfWork(std::shared_ptr<UnitsOfWork> inner) : inner_(std::move(inner)) {}
  std::vector<domain::Event> perform(std::optional<std::string_view> product,
                                     const Work& work) override {
    {
      std::lock_guard lock(mutex_);
      performed_.push_back(product ? std::string(*product) : std::string("(none)"));
    }
    return inner_->perform(product, work);
  }
  std::vector<std::string> performed() const {
    std::lock_guard lock(mutex_);
    return performed_;
  }

 private:
  std::shared_ptr<UnitsOfWork> inner_;
  mutable std::mutex mutex_;
  std::vector<std::string> performed_;
};

TEST_F(HandlersHolds, ReserveWithoutIdMakesOneFromTheRandomSourceAndAnswersCreated) {
  auto random = std::make_shared<adapters::ScriptedRandom>(
      std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  auto adapters = service.adapters();
  adapters.random = random;
  const MessageBus scripted = bootstrap::make_message_bus(adapters);
  scripted.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const auto reservation = scripted.handle(Reserve{std::nullopt, "LAMP", 3, kMinute});
  EXPECT_TRUE(reservation.created);
  EXPECT_EQ(reservation.hold.id(), "r-0123456789abcdef");
  EXPECT_EQ(reservation.hold.sku(), "LAMP");
  EXPECT_EQ(reservation.hold.qty(), 3);
  EXPECT_EQ(reservation.hold.batchref(), "b1");
  EXPECT_EQ(reservation.hold.expires_at(), kTestNow + kMinute);
  EXPECT_EQ(random->asked(), std::vector<adapters::ScriptedRandom::Range>(
                                 16, adapters::ScriptedRandom::Range{0, 15}));
  EXPECT_EQ(reserved("LAMP", "b1"), 3);
  EXPECT_EQ(available("LAMP", "b1"), 7);
  ASSERT_TRUE(service.reservations->find("r-0123456789abcdef"));
  EXPECT_EQ(service.reservations->find("r-0123456789abcdef")->status, HoldStatus::held);
  expect_ledger_clean();
}

TEST_F(HandlersHolds, TheSameIdWithTheSameDataAnswersTheSameHoldNotCreated) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  const auto first = bus.handle(Reserve{"h1", "LAMP", 3, kMinute});
  ASSERT_TRUE(first.created);
  const int commits = service.store->commits();
  advance(std::chrono::seconds(5));
  const auto again = bus.handle(Reserve{"h1", "LAMP", 3, kMinute});
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.hold, first.hold) << "not extended by asking again";
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(reserved("LAMP", "b1"), 3);
  EXPECT_THROW(bus.handle(Reserve{"h1", "LAMP", 4, kMinute}), domain::HoldConflict);
  EXPECT_EQ(reserved("LAMP", "b1"), 3);
  expect_ledger_clean();
}

TEST_F(HandlersHolds, TheIdOfAHoldOfAnotherSkuIsAConflict) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(CreateBatch{"d1", "DESK", 10, std::nullopt});
  reserve("h1", "LAMP", 3);
  try {
    bus.handle(Reserve{"h1", "DESK", 3, kMinute});
    FAIL() << "no error";
  } catch (const domain::HoldConflict& error) {
    EXPECT_STREQ(error.what(), "reservation h1 is a reservation of sku LAMP");
  }
  EXPECT_EQ(reserved("DESK", "d1"), 0);
  EXPECT_EQ(reserved("LAMP", "b1"), 3);
}

TEST_F(HandlersHolds, TheIdOfAReleasedOrUsedHoldIsAConflict) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("released", "LAMP", 2);
  reserve("used", "LAMP", 2);
  bus.handle(ReleaseReservation{"released"});
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 2, "used"}), "b1");
  const int commits = service.store->commits();
  for (const char* id : {"released", "used"}) {
    try {
      bus.handle(Reserve{id, "LAMP", 2, kMinute});
      ADD_FAILURE() << id << ": no error";
    } catch (const domain::HoldConflict& error) {
      EXPECT_EQ(error.what(), "reservation " + std::string(id) + " was released or used");
    }
  }
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(reserved("LAMP", "b1"), 0);
  EXPECT_EQ(available("LAMP", "b1"), 8);
  expect_ledger_clean();
}

TEST_F(HandlersHolds, TheIdOfAnExpiredHoldIsExpired) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("h1", "LAMP", 2);
  advance(kMinute);  // expires_at itself: expired
  try {
    bus.handle(Reserve{"h1", "LAMP", 2, kMinute});
    FAIL() << "no error";
  } catch (const domain::HoldExpired& error) {
    EXPECT_EQ(error.id(), "h1");
    EXPECT_EQ(error.expires_at(), kTestNow + kMinute);
  }
  // Ended by the sweep, it is still expired.
  EXPECT_EQ(bus.handle(ExpireReservations{}), 1);
  EXPECT_THROW(bus.handle(Reserve{"h1", "LAMP", 2, kMinute}), domain::HoldExpired);
  EXPECT_EQ(reserved("LAMP", "b1"), 0);
  expect_ledger_clean();
}

TEST_F(HandlersHolds, AllocateWithAHoldOfAnotherSkuIsAnInvalidReferenceNamingBothSkus) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(CreateBatch{"d1", "DESK", 10, std::nullopt});
  reserve("h1", "LAMP", 2);
  const int commits = service.store->commits();
  try {
    bus.handle(Allocate{"o1", "DESK", 2, "h1"});
    FAIL() << "no error";
  } catch (const InvalidReference& error) {
    EXPECT_STREQ(error.what(), "reservation h1 is of sku LAMP, not DESK");
  }
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(reserved("LAMP", "b1"), 2);
  EXPECT_EQ(service.store->find("DESK")->batch("d1")->allocated_quantity(), 0);
}

TEST_F(HandlersHolds, AllocateWithAnUnknownHoldIsNotFound) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_THROW(bus.handle(Allocate{"o1", "LAMP", 2, "nope"}), NotFound);
  EXPECT_EQ(service.store->find("LAMP")->batch("b1")->allocated_quantity(), 0);
}

TEST_F(HandlersHolds, AllocateWithAnExpiredHoldIsExpiredAndAllocatesNothing) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("h1", "LAMP", 2);
  advance(kMinute + std::chrono::seconds(1));
  EXPECT_THROW(bus.handle(Allocate{"o1", "LAMP", 2, "h1"}), domain::HoldExpired);
  EXPECT_EQ(service.store->find("LAMP")->batch("b1")->allocated_quantity(), 0);
  EXPECT_TRUE(service.read_model->allocations("o1").empty());
  // Once the sweep ended it, the same.
  bus.handle(ExpireReservations{});
  EXPECT_THROW(bus.handle(Allocate{"o1", "LAMP", 2, "h1"}), domain::HoldExpired);
}

TEST_F(HandlersHolds, AllocateWithAHoldTurnsItIntoTheAllocation) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("h1", "LAMP", 4);
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 4, "h1"}), "b1");
  EXPECT_EQ(reserved("LAMP", "b1"), 0);
  EXPECT_EQ(service.store->find("LAMP")->batch("b1")->allocated_quantity(), 4);
  EXPECT_EQ(service.reservations->find("h1")->status, HoldStatus::consumed);
  EXPECT_THROW(bus.handle(Allocate{"o2", "LAMP", 4, "h1"}), NotFound) << "a consumed hold is 404";
  expect_ledger_clean();
}

TEST_F(HandlersHolds, ExtendOrReleaseAnUnknownHoldIsNotFound) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  EXPECT_THROW(bus.handle(ExtendReservation{"nope", kMinute}), NotFound);
  EXPECT_THROW(bus.handle(ReleaseReservation{"nope"}), NotFound);
  reserve("h1", "LAMP", 1);
  bus.handle(ReleaseReservation{"h1"});
  EXPECT_THROW(bus.handle(ExtendReservation{"h1", kMinute}), NotFound) << "released";
  EXPECT_THROW(bus.handle(ReleaseReservation{"h1"}), NotFound) << "released";
}

TEST_F(HandlersHolds, ExtendOrReleaseAnExpiredHoldIsExpired) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("h1", "LAMP", 1);
  advance(kMinute);
  EXPECT_THROW(bus.handle(ExtendReservation{"h1", kMinute}), domain::HoldExpired);
  EXPECT_THROW(bus.handle(ReleaseReservation{"h1"}), domain::HoldExpired);
  bus.handle(ExpireReservations{});
  EXPECT_THROW(bus.handle(ExtendReservation{"h1", kMinute}), domain::HoldExpired) << "swept";
  EXPECT_THROW(bus.handle(ReleaseReservation{"h1"}), domain::HoldExpired) << "swept";
}

TEST_F(HandlersHolds, ExtendSetsTheExpiryFromNowAndReleaseFreesTheUnits) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("h1", "LAMP", 3);
  advance(std::chrono::seconds(50));
  const domain::Hold extended = bus.handle(ExtendReservation{"h1", std::chrono::seconds(30)});
  EXPECT_EQ(extended.expires_at(), kTestNow + std::chrono::seconds(80));
  advance(std::chrono::seconds(20));  // past the first expiry, not the second
  EXPECT_EQ(bus.handle(ExpireReservations{}), 0);
  EXPECT_EQ(reserved("LAMP", "b1"), 3);
  const auto released = bus.handle(ReleaseReservation{"h1"});
  EXPECT_EQ(released, (domain::events::ReservationReleased{
                          "h1", "LAMP", 3, "b1", domain::events::HoldRelease::requested}));
  EXPECT_EQ(reserved("LAMP", "b1"), 0);
  EXPECT_EQ(service.reservations->find("h1")->status, HoldStatus::released);
  EXPECT_EQ(service.publisher->published(channels::kReservationReleased).size(), 1u);
  expect_ledger_clean();
}

TEST_F(HandlersHolds, ExpireReservationsEndsEveryExpiredHoldOneUnitOfWorkPerProduct) {
  auto counting = std::make_shared<CountingUnitsOfWork>(service.units_of_work);
  auto adapters = service.adapters();
  adapters.units_of_work = counting;
  const MessageBus counted = bootstrap::make_message_bus(adapters);
  for (const char* sku : {"LAMP", "DESK", "SOFA"}) {
    counted.handle(CreateBatch{std::string(sku) + "-b1", sku, 10, std::nullopt});
  }
  counted.handle(Reserve{"l1", "LAMP", 1, kMinute});
  counted.handle(Reserve{"l2", "LAMP", 2, kMinute});
  counted.handle(Reserve{"l3", "LAMP", 1, std::chrono::seconds(600)});  // still live after
  counted.handle(Reserve{"d1", "DESK", 3, std::chrono::seconds(30)});
  counted.handle(Reserve{"s1", "SOFA", 4, std::chrono::seconds(600)});  // still live after
  advance(kMinute);
  const auto units_before = counting->performed().size();
  EXPECT_EQ(counted.handle(ExpireReservations{}), 3);
  const auto performed = counting->performed();
  ASSERT_EQ(performed.size(), units_before + 2);
  EXPECT_EQ(std::multiset<std::string>(performed.begin() + units_before, performed.end()),
            (std::multiset<std::string>{"DESK", "LAMP"}))
      << "one unit of work per product with expired holds, none for the sweep itself";
  for (const char* id : {"l1", "l2", "d1"}) {
    EXPECT_EQ(service.reservations->find(id)->status, HoldStatus::expired) << id;
  }
  for (const char* id : {"l3", "s1"}) {
    EXPECT_EQ(service.reservations->find(id)->status, HoldStatus::held) << id;
  }
  EXPECT_EQ(reserved("LAMP", "LAMP-b1"), 1);
  EXPECT_EQ(reserved("DESK", "DESK-b1"), 0);
  EXPECT_EQ(reserved("SOFA", "SOFA-b1"), 4);
  std::multiset<std::string> expired_ids;
  for (const auto& message : service.publisher->published(channels::kReservationExpired)) {
    for (const auto& field : message.payload) {
      if (field.name == "id") expired_ids.insert(std::get<std::string>(field.value));
    }
  }
  EXPECT_EQ(expired_ids, (std::multiset<std::string>{"d1", "l1", "l2"}));
  EXPECT_EQ(
      service.publisher->published(channels::kReservationExpired)[0],
      (ExternalMessage{channels::kReservationExpired,
                       {{"id", "d1"}, {"sku", "DESK"}, {"qty", 3}, {"batchref", "DESK-b1"}}}));

  const int commits = service.store->commits();
  const auto units = counting->performed().size();
  EXPECT_EQ(counted.handle(ExpireReservations{}), 0) << "a no-op the second time";
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(counting->performed().size(), units) << "no product's unit of work";
  EXPECT_EQ(service.publisher->published(channels::kReservationExpired).size(), 3u);
  expect_ledger_clean();
}

// A full page of products whose holds cannot be ended (their units of work fail) neither stops
// the sweep before the products behind them nor keeps it going round them.
TEST_F(HandlersHolds, ExpireReservationsGoesPastAPageOfProductsThatFail) {
  const auto sku_of = [](int n) { return "P" + std::to_string(1000 + n); };
  for (int n = 0; n <= 100; ++n) {
    bus.handle(CreateBatch{sku_of(n) + "-b1", sku_of(n), 10, std::nullopt});
    reserve("h" + std::to_string(n), sku_of(n), 1);
  }
  advance(kMinute);
  std::map<std::string, int> attempts;
  const auto expire_product = [&](const domain::commands::ExpireProductReservations& command) {
    ++attempts[command.sku];
    if (command.sku != sku_of(100)) throw std::runtime_error("stuck");  // the first 100 fail
    return bus.handle(command);
  };
  EXPECT_EQ(
      handlers::expire_reservations({}, *service.reservations, kTestNow + kMinute, expire_product),
      1);
  EXPECT_EQ(service.reservations->find("h100")->status, HoldStatus::expired);
  EXPECT_EQ(reserved(sku_of(100), sku_of(100) + "-b1"), 0);
  EXPECT_EQ(attempts.size(), 101u);
  for (const auto& [sku, tried] : attempts) EXPECT_EQ(tried, 1) << sku << ": once a sweep";
  EXPECT_EQ(service.reservations->find("h0")->status, HoldStatus::held) << "left to the next sweep";
  expect_ledger_clean();
}

TEST_F(HandlersHolds, ExpireReservationsNeedsTheHoldsQuery) {
  auto adapters = service.adapters();
  adapters.reservations = nullptr;
  const MessageBus without = bootstrap::make_message_bus(adapters);
  EXPECT_THROW(without.handle(ExpireReservations{}), std::logic_error);
}

// An expired hold holds nothing: the allocation that needs its units ends it in its own unit of
// work, no sweep needed.
TEST_F(HandlersHolds, AnAllocationNeedingTheUnitsOfAnExpiredHoldSucceedsWithoutASweep) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("h1", "LAMP", 8);
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 5}), std::nullopt) << "held";
  advance(kMinute);
  EXPECT_EQ(bus.handle(Allocate{"o2", "LAMP", 5}), "b1");
  EXPECT_EQ(reserved("LAMP", "b1"), 0);
  EXPECT_EQ(available("LAMP", "b1"), 5);
  EXPECT_EQ(service.reservations->find("h1")->status, HoldStatus::expired);
  EXPECT_EQ(service.publisher->published(channels::kReservationExpired).size(), 1u);
  EXPECT_EQ(bus.handle(ExpireReservations{}), 0) << "nothing left for the sweep";
  expect_ledger_clean();
}

TEST_F(HandlersHolds, AHoldNeedingTheUnitsOfAnExpiredHoldIsMadeWithoutASweep) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  reserve("h1", "LAMP", 8);
  EXPECT_THROW(reserve("h2", "LAMP", 5), domain::NoStockToHold);
  advance(kMinute);
  EXPECT_EQ(reserve("h2", "LAMP", 5).batchref(), "b1");
  EXPECT_EQ(reserved("LAMP", "b1"), 5);
  EXPECT_EQ(service.reservations->find("h1")->status, HoldStatus::expired);
  expect_ledger_clean();
}

// SPEC §7.2: a hold's units that come free serve the waiting lines first, in the order they
// arrived, whether the sweep ends it or the allocation that needs its units.
TEST_F(HandlersHolds, AnExpiredHoldsUnitsServeTheWaitingLinesBeforeTheAllocationThatFreedThem) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(SetProductPolicy{"LAMP", true, std::nullopt});
  reserve("h1", "LAMP", 8);
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 6}), (Allocation{std::nullopt, true}));
  advance(kMinute);
  EXPECT_EQ(bus.handle(Allocate{"o2", "LAMP", 6}), (Allocation{std::nullopt, true}))
      << "o1 came first";
  EXPECT_EQ(service.read_model->allocations("o1"), (Rows{{"LAMP", "b1"}}));
  EXPECT_EQ(reserved("LAMP", "b1"), 0);
  EXPECT_EQ(available("LAMP", "b1"), 4);
  expect_ledger_clean();
}

TEST_F(HandlersHolds, TheSweepServesTheWaitingLinesFromTheUnitsItFrees) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt});
  bus.handle(SetProductPolicy{"LAMP", true, std::nullopt});
  reserve("h1", "LAMP", 8);
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 6}), (Allocation{std::nullopt, true}));
  EXPECT_EQ(bus.handle(Allocate{"o2", "LAMP", 3}), (Allocation{std::nullopt, true}));
  advance(kMinute);
  EXPECT_EQ(bus.handle(ExpireReservations{}), 1);
  EXPECT_EQ(service.read_model->allocations("o1"), (Rows{{"LAMP", "b1"}}));
  EXPECT_EQ(service.read_model->allocations("o2"), (Rows{{"LAMP", "b1"}}));
  EXPECT_EQ(available("LAMP", "b1"), 1);
  EXPECT_EQ(service.publisher->published(channels::kLineAllocated).size(), 2u);
  expect_ledger_clean();
}

// A unit of work whose two reads of a hold disagree, as two statements outside a transaction
// may (PostgreSQL): the hold's product is found by the hold, then read without it, the hold
// having ended in between; the stored hold says how.
class HoldEndedBetweenReads final : public UnitOfWork {
 public:
  explicit HoldEndedBetweenReads(ReservationView stored) : stored_(std::move(stored)) {}

  ProductRepository& products() override { return products_; }
  std::vector<domain::events::Deallocated> pending_reallocations() override { return {}; }
  std::vector<OrderLineView> order_lines(std::string_view) override { return {}; }
  std::optional<ReservationView> reservation(std::string_view id) override {
    if (id == stored_.id) return stored_;
    return std::nullopt;
  }
  bool message_applied(std::string_view) override { return false; }
  std::optional<StoredAnswer> answer_to(const KeyedRequest&) override { return std::nullopt; }

 private:
  class Products final : public ProductRepository {
    std::optional<domain::Product> product() {
      return domain::Product("LAMP", {domain::Batch("b1", "LAMP", 10, std::nullopt)}, 1);
    }
    std::optional<domain::Product> load(std::string_view, std::string_view,
                                        std::string_view) override {
      return product();
    }
    std::optional<domain::Product> load_by_batchref(std::string_view) override { return product(); }
    // Found by the hold, read without it.
    std::optional<domain::Product> load_by_hold(std::string_view) override { return product(); }
  };
  void write_changes() override { ADD_FAILURE() << "nothing to write"; }

  ReservationView stored_;
  Products products_;
};

TEST(HandlersHoldRace, ExtendingOrReleasingAHoldThatEndedBetweenTheReadsAnswersAsStored) {
  using handlers::extend_reservation;
  using handlers::release_reservation;
  const std::chrono::seconds minute(60);
  {
    HoldEndedBetweenReads swept({"h1", "LAMP", 2, "b1", kTestNow, HoldStatus::expired});
    EXPECT_THROW(extend_reservation({"h1", minute}, swept, kTestNow + minute), domain::HoldExpired);
  }
  {
    HoldEndedBetweenReads swept({"h1", "LAMP", 2, "b1", kTestNow, HoldStatus::expired});
    EXPECT_THROW(release_reservation({"h1"}, swept, kTestNow + minute), domain::HoldExpired);
  }
  {
    HoldEndedBetweenReads used({"h1", "LAMP", 2, "b1", kTestNow + minute, HoldStatus::consumed});
    EXPECT_THROW(extend_reservation({"h1", minute}, used, kTestNow), NotFound);
  }
  {
    HoldEndedBetweenReads released(
        {"h1", "LAMP", 2, "b1", kTestNow + minute, HoldStatus::released});
    EXPECT_THROW(release_reservation({"h1"}, released, kTestNow), NotFound);
  }
}

// The other way round: the product read without the hold, which another process made (the
// same id, as a client's retry sends it) before the stored hold was read. A lost race, run
// again by the bus, where it answers that hold; not a conflict with a hold "released or used".
TEST(HandlersHoldRace, AHoldMadeMeanwhileWithItsIdIsALostRaceNotAConflict) {
  const std::chrono::seconds minute(60);
  HoldEndedBetweenReads made_meanwhile(
      {"h1", "LAMP", 2, "b1", kTestNow + minute, HoldStatus::held});
  EXPECT_THROW(handlers::reserve({"h1", "LAMP", 2, minute}, made_meanwhile, kTestNow,
                                 [] { return std::string("unused"); }),
               ConcurrencyError);
}

// Warehouses (SPEC §6). The fake clock starts at 1970-01-01: expiry dates are set around it.
const auto kDayOne = domain::parse_date("1970-01-01");
const auto kDayTwo = domain::parse_date("1970-01-02");

TEST_F(Handlers, AWarehousePriorityReordersLaterAllocationsAndTouchesNoProduct) {
  bus.handle(CreateBatch{"main-1", "LAMP", 10, std::nullopt});
  bus.handle(CreateBatch{"east-1", "LAMP", 10, std::nullopt, "east"});
  EXPECT_EQ(bus.handle(Allocate{"o1", "LAMP", 1}).batchref, "main-1");
  const int version = service.store->find("LAMP")->version_number();
  const int commits = service.store->commits();

  bus.handle(SetWarehousePriority{"east", 7});
  EXPECT_EQ(service.store->find("LAMP")->version_number(), version);
  EXPECT_EQ(service.store->commits(), commits);  // no product was written
  EXPECT_EQ(bus.handle(Allocate{"o2", "LAMP", 1}).batchref, "east-1");
  bus.handle(SetWarehousePriority{"east", 101});  // after main's 100
  EXPECT_EQ(bus.handle(Allocate{"o3", "LAMP", 1}).batchref, "main-1");
}

TEST_F(Handlers, ListsTheWarehousesConfiguredAndThoseBatchesName) {
  bus.handle(CreateBatch{"b1", "LAMP", 10, std::nullopt, "west"});
  bus.handle(SetWarehousePriority{"east", -3});
  bus.handle(SetWarehousePriority{"east", 4});  // the last priority set counts
  EXPECT_EQ(adapters::InMemoryWarehouses(service.store).list(),
            (std::vector<WarehouseView>{{"east", 4, true}, {"west", 100, false}}));
  EXPECT_THROW(bus.handle(SetWarehousePriority{"", 1}), std::invalid_argument);
}

TEST_F(Handlers, ClickAndCollectTakesTheNamedWarehousesStockFirst) {
  bus.handle(CreateBatch{"main-1", "LAMP", 10, std::nullopt});
  bus.handle(CreateBatch{"store-ship", "LAMP", 10, kTomorrow, "store"});
  Allocate collect{"o1", "LAMP", 2};
  collect.warehouse = "store";
  EXPECT_EQ(bus.handle(collect).batchref, "store-ship");
  collect.orderid = "o2";
  collect.warehouse = "no-such-store";  // no error: it simply has no batches
  EXPECT_EQ(bus.handle(collect).batchref, "main-1");
}

TEST_F(Handlers, AnExpiredBatchIsNeverAllocatedAndNotCountedAvailable) {
  service.clock->set_now(std::chrono::sys_days{*kDayTwo});
  bus.handle(CreateBatch{"spoiled", "MILK", 10, std::nullopt, "main", kDayOne});
  bus.handle(CreateBatch{"fresh", "MILK", 3, std::nullopt, "main", kDayTwo});
  EXPECT_EQ(bus.handle(Allocate{"o1", "MILK", 5}).batchref, std::nullopt);
  EXPECT_EQ(bus.handle(Allocate{"o2", "MILK", 3}).batchref, "fresh");
  const auto milk = service.store->product_stock("MILK", *kDayTwo);
  ASSERT_TRUE(milk);
  EXPECT_EQ(milk->on_hand, 13);
  EXPECT_EQ(milk->available, 0);
  EXPECT_EQ(milk->batches[0].available, 10);  // the batch's own figures stay as they are
  EXPECT_EQ(milk->batches[0].expires, kDayOne);
  EXPECT_EQ(service.store->product_stock("MILK", *kDayOne)->available, 10);
}

// Lines split across batches (SPEC §6).

// o1's 8 LAMPs split over b1 (5) and b2 (3).
Allocation allocate_split(const MessageBus& bus) {
  bus.handle(CreateBatch{"b1", "LAMP", 5, std::nullopt});
  bus.handle(CreateBatch{"b2", "LAMP", 5, std::nullopt});
  Allocate split{"o1", "LAMP", 8};
  split.split = true;
  return bus.handle(split);
}

ExternalMessage line_allocated(const char* batchref, int qty) {
  return {channels::kLineAllocated,
          {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", qty}, {"batchref", batchref}}};
}

TEST_F(Handlers, ASplitLineIsAllocatedInPartsEachPublishedAndListed) {
  const Allocation allocation = allocate_split(bus);
  EXPECT_EQ(allocation.batchref, "b1");
  EXPECT_EQ(allocation.parts, (std::vector<domain::LinePart>{{"b1", 5}, {"b2", 3}}));
  EXPECT_EQ(service.publisher->published(),
            (std::vector<ExternalMessage>{line_allocated("b1", 5), line_allocated("b2", 3)}));
  EXPECT_EQ(service.read_model->allocations("o1"), (Rows{{"LAMP", "b1"}, {"LAMP", "b2"}}));
  EXPECT_EQ(
      service.order_lines->of_order("o1"),
      (std::vector<OrderLineView>{{"LAMP", 8, LineStatus::allocated, {{"b1", 5}, {"b2", 3}}}}));

  // Retried, with or without split: the same parts, nothing written.
  const int commits = service.store->commits();
  Allocate retry{"o1", "LAMP", 8};
  EXPECT_EQ(bus.handle(retry).parts, allocation.parts);
  retry.split = true;
  EXPECT_EQ(bus.handle(retry), allocation);
  EXPECT_EQ(service.store->commits(), commits);
  EXPECT_EQ(service.publisher->published().size(), 2u);
}

TEST_F(Handlers, AQuantityChangeTakesOnePartOffAndAllocatesThatPartAgain) {
  allocate_split(bus);
  bus.handle(CreateBatch{"b3", "LAMP", 10, kTomorrow});
  bus.handle(ChangeBatchQuantity{"b1", 0});
  const auto published = service.publisher->published();
  ASSERT_EQ(published.size(), 4u);
  EXPECT_EQ(published[2], (ExternalMessage{channels::kLineDeallocated,
                                           {{"orderid", "o1"},
                                            {"sku", "LAMP"},
                                            {"qty", 5},
                                            {"batchref", "b1"},
                                            {"reason", "batch_changed"}}}));
  EXPECT_EQ(published[3], line_allocated("b3", 5));
  EXPECT_EQ(service.read_model->allocations("o1"), (Rows{{"LAMP", "b2"}, {"LAMP", "b3"}}));
  EXPECT_EQ(
      service.order_lines->of_order("o1"),
      (std::vector<OrderLineView>{{"LAMP", 8, LineStatus::allocated, {{"b2", 3}, {"b3", 5}}}}));
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  EXPECT_EQ(available("LAMP", "b2"), 2);
}

TEST_F(Handlers, CancellingASplitLineReleasesEveryPart) {
  allocate_split(bus);
  EXPECT_EQ(bus.handle(CancelOrder{"o1"}), (std::vector<domain::events::Released>{
                                               {"o1", "LAMP", 5, "b1"}, {"o1", "LAMP", 3, "b2"}}));
  EXPECT_EQ(available("LAMP", "b1") + available("LAMP", "b2"), 10);
  EXPECT_TRUE(service.read_model->allocations("o1").empty());
  EXPECT_EQ(service.order_lines->of_order("o1"),
            (std::vector<OrderLineView>{{"LAMP", 8, LineStatus::cancelled, {}}}));
  EXPECT_TRUE(bus.handle(CancelOrder{"o1"}).empty());
}

// A part taken off by a commit made outside the bus (its reallocation pending, as after a
// crash) is released with the rest of the line, and its reallocation settled.
TEST_F(Handlers, DeallocatingASplitLineReleasesAPartWhoseReallocationIsPending) {
  allocate_split(bus);
  bus.handle(CreateBatch{"b3", "LAMP", 10, kTomorrow});
  service.units_of_work->perform([](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 0, kTestNow);
    uow.commit();
  });
  EXPECT_EQ(service.order_lines->of_order("o1"),
            (std::vector<OrderLineView>{{"LAMP", 8, LineStatus::allocated, {{"b2", 3}}}}));
  EXPECT_EQ(bus.handle(Deallocate{"o1", "LAMP"}),
            (std::vector<domain::events::Released>{{"o1", "LAMP", 3, "b2"},
                                                   {"o1", "LAMP", 5, std::nullopt}}));
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 0u);
  EXPECT_EQ(available("LAMP", "b3"), 10) << "not allocated again";
}

TEST_F(Handlers, RecoveryAllocatesAgainOnlyThePartACrashLeftPending) {
  allocate_split(bus);
  bus.handle(CreateBatch{"b3", "LAMP", 10, kTomorrow});
  service.units_of_work->perform([](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 0, kTestNow);
    uow.commit();
  });
  EXPECT_EQ(service.store->pending_reallocations(),
            (std::vector<domain::events::Deallocated>{{"o1", "LAMP", 5, "b1", 8}}));
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 1u);
  EXPECT_EQ(available("LAMP", "b3"), 5);
  EXPECT_EQ(bus.recover(*service.pending_reallocations), 0u);
  Allocate retry{"o1", "LAMP", 8};
  EXPECT_EQ(bus.handle(retry).parts, (std::vector<domain::LinePart>{{"b2", 3}, {"b3", 5}}));
}

}  // namespace
}  // namespace allocation::service_layer
