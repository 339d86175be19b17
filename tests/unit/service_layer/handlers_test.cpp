#include "allocation/service_layer/handlers.hpp"

#include <gtest/gtest.h>

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
using domain::commands::SetProductPolicy;
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
  EXPECT_EQ(bus.recover(), 0u);
}

TEST_F(Handlers, RecoveryReallocatesALineACrashLeftPending) {
  leave_a_reallocation_pending();
  EXPECT_EQ(
      service.store->pending_reallocations(),
      (std::vector<domain::events::Deallocated>{{"order1", "INDIFFERENT-TABLE", 20, "batch1"}}));

  EXPECT_EQ(bus.recover(), 1u);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 30);
  EXPECT_EQ(service.read_model->allocations("order1"), (Rows{{"INDIFFERENT-TABLE", "batch2"}}));
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  // Once is enough, and twice changes nothing.
  EXPECT_EQ(bus.recover(), 0u);
  bus.handle(domain::Command(Allocate{"order1", "INDIFFERENT-TABLE", 20}));
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 30);
}

// Between the commit that took a line off and its reallocation, the order was allocated anew
// with another qty: the new line stands, and the reallocation is settled, not stuck.
TEST_F(Handlers, AReallocationOfAnOrderAllocatedAnewWithAnotherQtyIsSettled) {
  leave_a_reallocation_pending();
  EXPECT_EQ(bus.handle(Allocate{"order1", "INDIFFERENT-TABLE", 5}), "batch1");

  EXPECT_EQ(bus.recover(), 1u);
  EXPECT_TRUE(service.store->pending_reallocations().empty());
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch1"), 5);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 50);
  EXPECT_EQ(bus.recover(), 0u);
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
  EXPECT_EQ(bus.recover(), 0u);
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
  EXPECT_EQ(bus.recover(), 0u);
  EXPECT_EQ(available("INDIFFERENT-TABLE", "batch2"), 50);
}

}  // namespace
}  // namespace allocation::service_layer
