// The holds of a Product (SPEC §6, §7.3): reserve, allocate with a hold, extend, release,
// expire, and what a batch's quantity change does to them.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation/domain/errors.hpp"
#include "allocation/domain/product.hpp"
#include "support/batch_dates.hpp"
#include "support/domain_products.hpp"
#include "support/print_domain.hpp"
#include "support/test_time.hpp"

namespace allocation::domain {
namespace {

using namespace testing;

using namespace std::chrono_literals;

constexpr std::chrono::seconds kTtl = 900s;

// A stored hold of LAMP.
Hold stored_hold(const std::string& id, int qty, const std::string& batchref, Instant expires_at) {
  return Hold(id, "LAMP", qty, batchref, expires_at, kTtl);
}

// SPEC §6: for every batch, always allocated + reserved <= purchased.
void expect_no_batch_over_committed(const Product& product) {
  for (const Batch& batch : product.batches()) {
    EXPECT_LE(batch.allocated_quantity() + batch.reserved_quantity(), batch.purchased_quantity())
        << batch.reference();
    EXPECT_GE(batch.reserved_quantity(), 0) << batch.reference();
  }
}

// --- reserve ---

TEST(ProductHolds, ReserveHoldsUnitsInTheWarehouseBeforeAShipment) {
  auto product = product_of("LAMP", {{"shipment", 100, kTomorrow}, {"in-stock", 100, {}}});
  const int version = product.version_number();
  const auto reservation = product.reserve("h1", 10, kTtl, kTestNow);
  EXPECT_TRUE(reservation.created);
  EXPECT_EQ(reservation.hold, Hold("h1", "LAMP", 10, "in-stock", kTestNow + kTtl, kTtl));
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Reserved{"h1", "LAMP", 10, "in-stock", kTestNow + kTtl}}));
  EXPECT_EQ(product.version_number(), version + 1);
  EXPECT_EQ(product.batch("in-stock")->reserved_quantity(), 10);
  EXPECT_EQ(product.batch("in-stock")->allocated_quantity(), 0);
  EXPECT_EQ(product.batch("in-stock")->available_quantity(), 90);
  EXPECT_EQ(product.batch("shipment")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("shipment")->available_quantity(), 100);
  EXPECT_EQ(product.available_quantity(kTestNow), 190);
  ASSERT_NE(product.holds().find("h1"), nullptr);
  EXPECT_EQ(*product.holds().find("h1"), reservation.hold);
}

TEST(ProductHolds, ReservePrefersTheEarliestEtaAndSkipsBatchesTooSmall) {
  auto product = product_of(
      "LAMP", {{"slow", 100, kLater}, {"normal", 100, kTomorrow}, {"speedy", 5, kToday}});
  EXPECT_EQ(product.reserve("h1", 5, kTtl, kTestNow).hold.batchref(), "speedy");
  EXPECT_EQ(product.reserve("h2", 1, kTtl, kTestNow).hold.batchref(), "normal");  // speedy full
  EXPECT_EQ(product.batch("speedy")->available_quantity(), 0);
  EXPECT_EQ(product.batch("normal")->available_quantity(), 99);
  EXPECT_EQ(product.batch("slow")->available_quantity(), 100);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Reserved{"h1", "LAMP", 5, "speedy", kTestNow + kTtl},
                                events::Reserved{"h2", "LAMP", 1, "normal", kTestNow + kTtl}}));
}

TEST(ProductHolds, ReserveBreaksTiesByTheOrderBatchesWereAdded) {
  auto product = product_of("LAMP", {{"first", 10, kTomorrow}, {"second", 10, kTomorrow}});
  EXPECT_EQ(product.reserve("h1", 3, kTtl, kTestNow).hold.batchref(), "first");
}

// Units held are not allocated, and a batch never takes more than it has.
TEST(ProductHolds, HeldUnitsAreNotAllocatedNorHeldAgain) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 6, kTtl, kTestNow);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), std::nullopt);
  EXPECT_EQ(product.events(), std::vector<Event>{events::OutOfStock{"LAMP"}});
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 4), kTestNow), "b1");
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 4);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 6);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 0);
  EXPECT_THROW(product.reserve("h2", 1, kTtl, kTestNow), NoStockToHold);
  expect_no_batch_over_committed(product);
}

TEST(ProductHolds, TheSameIdWithTheSameQtyAndTtlAnswersTheSameHold) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const Hold first = product.reserve("h1", 4, kTtl, kTestNow).hold;
  product.take_events();
  const int version = product.version_number();
  const auto again = product.reserve("h1", 4, kTtl, kTestNow + 60s);  // a retry, a minute later
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.hold, first);  // the same expiry: asking again does not extend it
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
  EXPECT_EQ(product.holds().live().size(), 1u);
}

TEST(ProductHolds, TheSameIdWithAnotherQtyOrTtlIsAConflictAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const Hold first = product.reserve("h1", 4, kTtl, kTestNow).hold;
  product.take_events();
  const int version = product.version_number();
  try {
    product.reserve("h1", 5, kTtl, kTestNow);
    FAIL() << "no error";
  } catch (const HoldConflict& error) {
    EXPECT_STREQ(error.what(), "reservation h1 exists with another qty or ttl_s");
  }
  EXPECT_THROW(product.reserve("h1", 4, kTtl + 1s, kTestNow), HoldConflict);
  EXPECT_THROW(product.reserve("h1", 3, kTtl, kTestNow), HoldConflict);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{first});
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 6);
}

TEST(ProductHolds, TheIdOfAnExpiredHoldIsHoldExpiredAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const Hold first = product.reserve("h1", 4, 60s, kTestNow).hold;
  product.take_events();
  const int version = product.version_number();
  try {
    product.reserve("h1", 4, 60s, kTestNow + 60s);
    FAIL() << "no error";
  } catch (const HoldExpired& error) {
    EXPECT_EQ(error.id(), "h1");
    EXPECT_EQ(error.expires_at(), kTestNow + 60s);
    EXPECT_STREQ(error.what(), "reservation h1 expired at 2026-12-04T00:01:00.000Z");
  }
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{first});  // ending it is the sweep's work
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
}

TEST(ProductHolds, TheIdOfAHoldThatEndedHereIsAConflict) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 4, kTtl, kTestNow);
  product.release_hold("h1", kTestNow);
  product.take_events();
  const int version = product.version_number();
  try {
    product.reserve("h1", 4, kTtl, kTestNow);
    FAIL() << "no error";
  } catch (const HoldConflict& error) {
    EXPECT_STREQ(error.what(), "reservation h1 has ended");
  }
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_TRUE(product.holds().live().empty());
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
}

TEST(ProductHolds, NoStockToHoldWhenNoBatchCanTakeTheUnitsAndNothingChanges) {
  auto product = product_of("LAMP", {{"b1", 5, {}}, {"b2", 5, kTomorrow}});
  const int version = product.version_number();
  try {
    product.reserve("h1", 6, kTtl, kTestNow);  // 10 free in all, but not 6 in one batch
    FAIL() << "no error";
  } catch (const NoStockToHold& error) {
    EXPECT_STREQ(error.what(), "no batch of LAMP can hold 6");
  }
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_FALSE(product.out_of_stock());  // a hold never waits and is no allocation
  EXPECT_TRUE(product.holds().live().empty());
  EXPECT_TRUE(product.holds().ended().empty());
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("b2")->reserved_quantity(), 0);
  EXPECT_EQ(product.available_quantity(kTestNow), 10);
  // The id is still free.
  EXPECT_TRUE(product.reserve("h1", 5, kTtl, kTestNow).created);
}

TEST(ProductHolds, NoStockToHoldWithoutBatches) {
  Product product("LAMP");
  EXPECT_THROW(product.reserve("h1", 1, kTtl, kTestNow), NoStockToHold);
  EXPECT_EQ(product.version_number(), 0);
  EXPECT_TRUE(product.events().empty());
}

TEST(ProductHolds, ReserveRejectsAQtyOrTtlNotAboveZeroAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const int version = product.version_number();
  EXPECT_THROW(product.reserve("h1", 0, kTtl, kTestNow), std::invalid_argument);
  EXPECT_THROW(product.reserve("h1", 2, 0s, kTestNow), std::invalid_argument);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
  EXPECT_TRUE(product.holds().live().empty());
}

TEST(ProductHolds, ReserveRecordsLowStockWhenAvailableFallsToTheThreshold) {
  auto product = with_policy(product_of("LAMP", {{"b1", 10, {}}}),
                             {.backorders = false, .low_stock_threshold = 3});
  product.reserve("h1", 6, kTtl, kTestNow);  // 4 left: above
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Reserved{"h1", "LAMP", 6, "b1", kTestNow + kTtl}}));
  product.take_events();
  product.reserve("h2", 1, kTtl, kTestNow);  // 3: at the threshold
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Reserved{"h2", "LAMP", 1, "b1", kTestNow + kTtl},
                                events::LowStock{"LAMP", 3, 3}}));
  product.take_events();
  product.reserve("h3", 1, kTtl, kTestNow);  // still low: said once
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Reserved{"h3", "LAMP", 1, "b1", kTestNow + kTtl}}));
}

// --- An expired hold holds nothing ---

// As a repository loads it for an allocation: the batch's reserved total; the expired hold is
// stored and given by the source, not loaded.
TEST(ProductHolds, AnAllocationEndsTheExpiredHoldInItsWayFirst) {
  const Hold expired = stored_hold("eh", 8, "b1", kTestNow - 1s);
  StoredHolds stored{{expired}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 8)}, 5,
                  holding(Holds({}, stored.source())));
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), "b1");
  EXPECT_EQ(stored.calls, 1);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::ReservationExpired{"eh", "LAMP", 8, "b1"},
                                                  events::Allocated{"o1", "LAMP", 5, "b1"}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 5);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 5);
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{expired, HoldEnd::expired}}));
  EXPECT_TRUE(product.holds().live().empty());
  EXPECT_GT(product.version_number(), 5);
  EXPECT_FALSE(product.out_of_stock());
  expect_no_batch_over_committed(product);
}

// A hold expires at expires_at itself.
TEST(ProductHolds, AHoldLoadedWithTheProductExpiresAtItsExpiry) {
  const Hold expired = stored_hold("eh", 8, "b1", kTestNow);
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 8)}, 5,
                  holding(Holds({expired})));
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow - 1s), std::nullopt);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 5), kTestNow), "b1");
  // LAMP ran out a second before: the expired hold's units bring it back in stock.
  EXPECT_EQ(product.events(), (std::vector<Event>{events::ReservationExpired{"eh", "LAMP", 8, "b1"},
                                                  events::BackInStock{"LAMP", 10},
                                                  events::Allocated{"o2", "LAMP", 5, "b1"}}));
}

// Without the expired hold, the warehouse batch is the one allocate picks: the line gets it, not
// the shipment that could take it as it was.
TEST(ProductHolds, AnExpiredHoldInAnEarlierBatchDoesNotSendTheLineToALaterOne) {
  const Hold expired = stored_hold("eh", 8, "wh", kTestNow - 1s);
  StoredHolds stored{{expired}};
  Product product("LAMP",
                  {Batch::restore("ship", "LAMP", 10, kTomorrow, 0, {}),
                   Batch::restore("wh", "LAMP", 10, std::nullopt, 0, {}, 8)},
                  5, holding(Holds({}, stored.source())));
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), "wh");
  EXPECT_EQ(product.events(), (std::vector<Event>{events::ReservationExpired{"eh", "LAMP", 8, "wh"},
                                                  events::Allocated{"o1", "LAMP", 5, "wh"}}));
  EXPECT_EQ(product.batch("ship")->available_quantity(), 10);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 5);
}

TEST(ProductHolds, AReserveEndsTheExpiredHoldInItsWayFirst) {
  const Hold expired = stored_hold("eh", 8, "b1", kTestNow - 1s);
  StoredHolds stored{{expired}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 8)}, 5,
                  holding(Holds({}, stored.source())));
  const auto reservation = product.reserve("h1", 7, kTtl, kTestNow);
  EXPECT_TRUE(reservation.created);
  EXPECT_EQ(reservation.hold.batchref(), "b1");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationExpired{"eh", "LAMP", 8, "b1"},
                                events::Reserved{"h1", "LAMP", 7, "b1", kTestNow + kTtl}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 7);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 3);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{reservation.hold});
  expect_no_batch_over_committed(product);
}

// The expired holds are read only when one may stand in the way: not when the batch allocate
// picks has the units anyway.
TEST(ProductHolds, WhenStockIsPlentifulTheExpiredHoldsAreNotRead) {
  const Hold expired = stored_hold("eh", 8, "b1", kTestNow - 1s);
  StoredHolds stored{{expired}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 100, std::nullopt, 0, {}, 8)}, 5,
                  holding(Holds({}, stored.source())));
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), "b1");
  EXPECT_EQ(product.reserve("h1", 5, kTtl, kTestNow).hold.batchref(), "b1");
  EXPECT_EQ(stored.calls, 0);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Allocated{"o1", "LAMP", 5, "b1"},
                                events::Reserved{"h1", "LAMP", 5, "b1", kTestNow + kTtl}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 13);  // the expired hold is not ended
  EXPECT_TRUE(product.holds().ended().empty());
}

// A hold that has not expired does hold: the line is out of stock, and the hold stays.
TEST(ProductHolds, ALiveHoldInTheWayStays) {
  const Hold live = stored_hold("h1", 8, "b1", kTestNow + 1s);
  StoredHolds stored{{live}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 8)}, 5,
                  holding(Holds({}, stored.source())));
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), std::nullopt);
  EXPECT_EQ(product.events(), std::vector<Event>{events::OutOfStock{"LAMP"}});
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 8);
  EXPECT_TRUE(product.holds().ended().empty());
  EXPECT_THROW(product.reserve("h2", 5, kTtl, kTestNow), NoStockToHold);
}

// --- allocate with a hold ---

// The line takes the held batch, though allocate would now pick the warehouse batch.
TEST(ProductHolds, ALineOfTheHoldsQtyTakesTheHeldUnits) {
  auto product = product_of("LAMP", {{"ship", 10, kTomorrow}});
  product.reserve("h1", 4, kTtl, kTestNow);
  product.add_batch(Batch("wh", "LAMP", 10, std::nullopt), kTestNow);
  product.take_events();
  const int version = product.version_number();
  const Hold held = *product.holds().find("h1");
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow), "ship");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 4, "ship", "o1"},
                                events::Allocated{"o1", "LAMP", 4, "ship"}}));
  EXPECT_EQ(product.version_number(), version + 1);
  EXPECT_EQ(product.batch("ship")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("ship")->allocated_quantity(), 4);
  EXPECT_EQ(product.batch("ship")->available_quantity(), 6);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 10);
  EXPECT_EQ(product.holds().find("h1"), nullptr);
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{held, HoldEnd::consumed}}));
}

TEST(ProductHolds, HeldUnitsBeyondTheLineAreFreeAgain) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 5, kTtl, kTestNow);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), "h1", kTestNow), "b1");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 5, "b1", "o1"},
                                events::Allocated{"o1", "LAMP", 3, "b1"}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 3);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 7);
}

TEST(ProductHolds, HeldUnitsBeyondTheLineServeAWaitingLine) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 6, {}}}));
  product.reserve("h1", 5, kTtl, kTestNow);
  EXPECT_EQ(product.allocate(OrderLine("w", "LAMP", 2), kTestNow), std::nullopt);  // waits
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), "h1", kTestNow), "b1");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 5, "b1", "o1"},
                                events::Allocated{"o1", "LAMP", 3, "b1"},
                                events::Allocated{"w", "LAMP", 2, "b1"},
                                events::BackInStock{"LAMP", 1}}));
  EXPECT_EQ(product.waiting_line("w"), nullptr);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 5);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 1);
  expect_no_batch_over_committed(product);
}

// Units of the line beyond the hold come from the held batch when it has them free.
TEST(ProductHolds, ALineLargerThanItsHoldTakesTheRestFromTheHeldBatch) {
  auto product = product_of("LAMP", {{"ship", 10, kTomorrow}});
  product.reserve("h1", 4, kTtl, kTestNow);
  product.add_batch(Batch("wh", "LAMP", 10, std::nullopt), kTestNow);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 6), "h1", kTestNow), "ship");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 4, "ship", "o1"},
                                events::Allocated{"o1", "LAMP", 6, "ship"}}));
  EXPECT_EQ(product.batch("ship")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("ship")->allocated_quantity(), 6);
  EXPECT_EQ(product.batch("ship")->available_quantity(), 4);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 10);
}

// An expired hold of the held batch holds nothing: its units are the held batch's free units,
// as they would be had the sweep ended it (found in review: the line went to the warehouse).
TEST(ProductHolds, ALineLargerThanItsHoldTakesTheUnitsOfAnExpiredHoldOfTheHeldBatch) {
  auto product = product_of("LAMP", {{"ship", 10, kTomorrow}});
  product.reserve("eh", 6, 1s, kTestNow);
  product.reserve("h1", 4, kTtl, kTestNow);
  product.add_batch(Batch("wh", "LAMP", 10, std::nullopt), kTestNow);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 8), "h1", kTestNow + 2s), "ship");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationExpired{"eh", "LAMP", 6, "ship"},
                                events::ReservationConsumed{"h1", "LAMP", 4, "ship", "o1"},
                                events::Allocated{"o1", "LAMP", 8, "ship"}}));
  EXPECT_EQ(product.batch("ship")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("ship")->available_quantity(), 2);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 10);
  expect_no_batch_over_committed(product);
}

// Otherwise the line is allocated as allocate() would, and the hold ends all the same.
TEST(ProductHolds, ALineLargerThanWhatItsHeldBatchHasIsAllocatedAsAnyOther) {
  auto product = product_of("LAMP", {{"ship", 5, kTomorrow}});
  product.reserve("h1", 4, kTtl, kTestNow);
  product.add_batch(Batch("wh", "LAMP", 10, std::nullopt), kTestNow);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 6), "h1", kTestNow), "wh");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 4, "ship", "o1"},
                                events::Allocated{"o1", "LAMP", 6, "wh"}}));
  EXPECT_EQ(product.batch("ship")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("ship")->available_quantity(), 5);
  EXPECT_EQ(product.batch("wh")->allocated_quantity(), 6);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 4);
  EXPECT_EQ(product.holds().find("h1"), nullptr);
  EXPECT_TRUE(product.holds().ended_here("h1"));
}

TEST(ProductHolds, ALineNoBatchCanTakeIsOutOfStockAndItsHoldEnds) {
  auto product = product_of("LAMP", {{"b1", 5, {}}});
  product.reserve("h1", 4, kTtl, kTestNow);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 6), "h1", kTestNow), std::nullopt);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 4, "b1", "o1"},
                                events::OutOfStock{"LAMP"}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 5);
  EXPECT_TRUE(product.out_of_stock());
  EXPECT_TRUE(product.holds().ended_here("h1"));
}

TEST(ProductHolds, AllocatingWithAnUnknownHoldThrowsAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 4, kTtl, kTestNow);
  product.take_events();
  const int version = product.version_number();
  try {
    product.allocate(OrderLine("o1", "LAMP", 4), "nope", kTestNow);
    FAIL() << "no error";
  } catch (const UnknownHold& error) {
    EXPECT_EQ(error.id(), "nope");
    EXPECT_STREQ(error.what(), "unknown reservation nope");
  }
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 0);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
  EXPECT_NE(product.holds().find("h1"), nullptr);
}

// A consumed hold is no longer live: another order cannot use it.
TEST(ProductHolds, AConsumedHoldIsUnknownToAnotherOrder) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 4, kTtl, kTestNow);
  product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_THROW(product.allocate(OrderLine("o2", "LAMP", 4), "h1", kTestNow), UnknownHold);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 4);
}

TEST(ProductHolds, AllocatingWithAnExpiredHoldThrowsAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const Hold held = product.reserve("h1", 4, 60s, kTestNow).hold;
  product.take_events();
  const int version = product.version_number();
  try {
    product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow + 60s);
    FAIL() << "no error";
  } catch (const HoldExpired& error) {
    EXPECT_EQ(error.id(), "h1");
    EXPECT_EQ(error.expires_at(), kTestNow + 60s);
  }
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 0);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{held});
  EXPECT_EQ(product.waiting_line("o1"), nullptr);
}

// A client retries: the order's line answers as allocate() does, though its hold is gone.
TEST(ProductHolds, RetryingAnAllocationWithAHoldAnswersTheSameBatch) {
  auto product = product_of("LAMP", {{"ship", 10, kTomorrow}});
  product.reserve("h1", 4, 60s, kTestNow);
  product.add_batch(Batch("wh", "LAMP", 10, std::nullopt), kTestNow);
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow), "ship");
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow), "ship");
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow + 1h), "ship");
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), kTestNow), "ship");
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 5), "h1", kTestNow), LineConflict);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("ship")->allocated_quantity(), 4);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 10);
}

// The order has its line already, made without the hold it now names: the hold ends as used, its
// units free again, instead of holding them for nothing until it expires.
TEST(ProductHolds, AHoldNamedForALineTheOrderHasAlreadyEndsAndFreesItsUnits) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), kTestNow), "b1");
  product.reserve("h1", 4, kTtl, kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), "h1", kTestNow), "b1");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 4, "b1", "o1"}}));
  EXPECT_EQ(product.holds().find("h1"), nullptr);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 3);
  EXPECT_GT(product.version_number(), version);
  // Asked again, the line answers as before and nothing more happens.
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), "h1", kTestNow), "b1");
  EXPECT_TRUE(product.events().empty());
}

// The freed units serve the waiting lines, this order's among them.
TEST(ProductHolds, AHoldNamedForALineThatWaitsServesTheQueue) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 5, {}}}));
  product.reserve("h1", 5, kTtl, kTestNow);
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), kTestNow), std::nullopt);  // waits
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow), "b1");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 5, "b1", "o1"},
                                events::Allocated{"o1", "LAMP", 4, "b1"},
                                events::BackInStock{"LAMP", 1}}));
  EXPECT_EQ(product.waiting_line("o1"), nullptr);
  expect_no_batch_over_committed(product);
}

// The order's waiting line takes its hold's units ahead of the lines that arrived before it.
TEST(ProductHolds, AHoldNamedForALineThatWaitsGoesToItBeforeTheQueue) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 5, {}}}));
  product.reserve("h1", 5, kTtl, kTestNow);
  EXPECT_EQ(product.allocate(OrderLine("o0", "LAMP", 5), kTestNow), std::nullopt);  // waits
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), std::nullopt);  // waits
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), "h1", kTestNow), "b1");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 5, "b1", "o1"},
                                events::Allocated{"o1", "LAMP", 5, "b1"}}));
  EXPECT_EQ(product.waiting_line("o1"), nullptr);
  EXPECT_NE(product.waiting_line("o0"), nullptr);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 5);
  expect_no_batch_over_committed(product);
}

// An expired hold is left to the sweep, and a line of another qty is a conflict that ends nothing.
TEST(ProductHolds, AnExpiredHoldOrAConflictingLineLeavesTheNamedHold) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), kTestNow), "b1");
  product.reserve("h1", 4, 60s, kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 2), "h1", kTestNow), LineConflict);
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), "h1", kTestNow + 61s), "b1");
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_NE(product.holds().find("h1"), nullptr);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
}

// --- extend_hold ---

TEST(ProductHolds, ExtendingAHoldSetsItsExpiryFromNow) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 4, 60s, kTestNow);
  product.take_events();
  const int version = product.version_number();
  const Hold extended = product.extend_hold("h1", 300s, kTestNow + 30s);
  EXPECT_EQ(extended, Hold("h1", "LAMP", 4, "b1", kTestNow + 330s, 60s));  // asked with 60s
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationExtended{"h1", "LAMP", kTestNow + 330s}}));
  EXPECT_EQ(product.version_number(), version + 1);
  ASSERT_NE(product.holds().find("h1"), nullptr);
  EXPECT_EQ(*product.holds().find("h1"), extended);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
  // Asking again as it was made answers it, extended; past its first expiry it still holds.
  const auto again = product.reserve("h1", 4, 60s, kTestNow + 100s);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.hold, extended);
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 4), "h1", kTestNow + 329s), "b1");
}

// Extending may shorten: the expiry is now + ttl, whatever it was.
TEST(ProductHolds, ExtendingSetsTheExpiryEvenWhenItIsSooner) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 4, 3600s, kTestNow);
  EXPECT_EQ(product.extend_hold("h1", 10s, kTestNow).expires_at(), kTestNow + 10s);
  EXPECT_EQ(product.events().back(),
            Event(events::ReservationExtended{"h1", "LAMP", kTestNow + 10s}));
}

TEST(ProductHolds, ExtendingAnExpiredOrUnknownHoldThrowsAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const Hold held = product.reserve("h1", 4, 60s, kTestNow).hold;
  product.take_events();
  const int version = product.version_number();
  try {
    product.extend_hold("h1", 300s, kTestNow + 60s);
    FAIL() << "no error";
  } catch (const HoldExpired& error) {
    EXPECT_EQ(error.id(), "h1");
    EXPECT_EQ(error.expires_at(), kTestNow + 60s);
  }
  EXPECT_THROW(product.extend_hold("nope", 300s, kTestNow), UnknownHold);
  EXPECT_THROW(product.extend_hold("h1", 0s, kTestNow), std::invalid_argument);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{held});
}

// --- release_hold ---

TEST(ProductHolds, ReleasingAHoldFreesItsUnits) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const Hold held = product.reserve("h1", 4, kTtl, kTestNow).hold;
  product.take_events();
  const int version = product.version_number();
  const events::ReservationReleased released{"h1", "LAMP", 4, "b1", events::HoldRelease::requested};
  EXPECT_EQ(product.release_hold("h1", kTestNow), released);
  EXPECT_EQ(product.events(), std::vector<Event>{released});
  EXPECT_EQ(product.version_number(), version + 1);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 10);
  EXPECT_EQ(product.holds().find("h1"), nullptr);
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{held, HoldEnd::released}}));
  // Released: unknown from now on.
  product.take_events();
  EXPECT_THROW(product.release_hold("h1", kTestNow), UnknownHold);
  EXPECT_TRUE(product.events().empty());
}

TEST(ProductHolds, ReleasingAHoldServesWaitingLines) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 5, {}}}));
  product.reserve("h1", 4, kTtl, kTestNow);
  EXPECT_EQ(product.allocate(OrderLine("w", "LAMP", 3), kTestNow), std::nullopt);  // waits
  product.take_events();
  product.release_hold("h1", kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{
                events::ReservationReleased{"h1", "LAMP", 4, "b1", events::HoldRelease::requested},
                events::Allocated{"w", "LAMP", 3, "b1"}, events::BackInStock{"LAMP", 2}}));
  EXPECT_EQ(product.waiting_line("w"), nullptr);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 2);
  EXPECT_FALSE(product.out_of_stock());
}

TEST(ProductHolds, ReleasingAnExpiredHoldThrowsAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 4, 60s, kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_THROW(product.release_hold("h1", kTestNow + 60s), HoldExpired);
  EXPECT_THROW(product.release_hold("nope", kTestNow), UnknownHold);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
  EXPECT_NE(product.holds().find("h1"), nullptr);
}

// --- expire_holds ---

TEST(ProductHolds, ExpiringEndsEveryExpiredHoldLoadedOrStored) {
  const Hold loaded_expired = stored_hold("h1", 3, "b1", kTestNow - 10s);
  const Hold loaded_live = stored_hold("h2", 2, "b1", kTestNow + 10s);
  const Hold stored_expired = stored_hold("h3", 4, "b2", kTestNow);
  StoredHolds stored{{loaded_expired, loaded_live, stored_expired}};
  Product product("LAMP",
                  {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 5),
                   Batch::restore("b2", "LAMP", 10, kTomorrow, 0, {}, 4)},
                  5, holding(Holds({loaded_expired, loaded_live}, stored.source())));
  EXPECT_EQ(product.expire_holds(kTestNow), 2);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationExpired{"h1", "LAMP", 3, "b1"},
                                events::ReservationExpired{"h3", "LAMP", 4, "b2"}}));
  EXPECT_EQ(product.version_number(), 6);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 2);
  EXPECT_EQ(product.batch("b2")->reserved_quantity(), 0);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{loaded_live});
}

TEST(ProductHolds, ExpiringNothingChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.reserve("h1", 4, 60s, kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.expire_holds(kTestNow + 59s), 0);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 4);
}

TEST(ProductHolds, ExpiringServesWaitingLines) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 5, {}}}));
  product.reserve("h1", 4, 60s, kTestNow);
  EXPECT_EQ(product.allocate(OrderLine("w", "LAMP", 3), kTestNow), std::nullopt);  // waits
  product.take_events();
  EXPECT_EQ(product.expire_holds(kTestNow + 60s), 1);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::ReservationExpired{"h1", "LAMP", 4, "b1"},
                                                  events::Allocated{"w", "LAMP", 3, "b1"},
                                                  events::BackInStock{"LAMP", 2}}));
  EXPECT_EQ(product.waiting_line("w"), nullptr);
}

// --- change_batch_quantity and holds (SPEC §7.3) ---

TEST(ProductHolds, LoweringABatchMovesItsMostRecentHoldToAnotherBatch) {
  auto product = product_of("LAMP", {{"wh", 10, {}}, {"ship", 10, kTomorrow}});
  const Hold h1 = product.reserve("h1", 3, kTtl, kTestNow).hold;
  const Hold h2 = product.reserve("h2", 4, kTtl, kTestNow).hold;
  product.take_events();
  product.change_batch_quantity("wh", 5, kTestNow);  // 7 held in 5
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "wh", 10, 5},
                                events::ReservationMoved{"h2", "LAMP", 4, "wh", "ship"}}));
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 3);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 2);
  EXPECT_EQ(product.batch("ship")->reserved_quantity(), 4);
  EXPECT_EQ(product.batch("ship")->available_quantity(), 6);
  ASSERT_NE(product.holds().find("h2"), nullptr);
  EXPECT_EQ(*product.holds().find("h2"), Hold("h2", "LAMP", 4, "ship", h2.expires_at(), kTtl));
  EXPECT_EQ(*product.holds().find("h1"), h1);
  EXPECT_TRUE(product.holds().ended().empty());
  expect_no_batch_over_committed(product);
  // It holds in its new batch: released, it frees units there.
  product.take_events();
  EXPECT_EQ(product.release_hold("h2", kTestNow).batchref, "ship");
  EXPECT_EQ(product.batch("ship")->available_quantity(), 10);
}

// A hold goes to the batch the allocation order gives it, skipping batches too small.
TEST(ProductHolds, AMovedHoldGoesWhereAllocateWouldSendIt) {
  auto product = product_of(
      "LAMP",
      {{"wh", 10, {}}, {"late", 10, kLater}, {"small", 1, kToday}, {"soon", 10, kTomorrow}});
  product.reserve("h1", 6, kTtl, kTestNow);
  product.take_events();
  product.change_batch_quantity("wh", 2, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "wh", 10, 2},
                                events::ReservationMoved{"h1", "LAMP", 6, "wh", "soon"}}));
  EXPECT_EQ(product.batch("soon")->reserved_quantity(), 6);
  EXPECT_EQ(product.batch("late")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 0);
}

TEST(ProductHolds, AHoldNoOtherBatchCanTakeIsReleasedForStock) {
  auto product = product_of("LAMP", {{"wh", 10, {}}, {"ship", 3, kTomorrow}});
  const Hold h1 = product.reserve("h1", 3, kTtl, kTestNow).hold;
  const Hold h2 = product.reserve("h2", 4, kTtl, kTestNow).hold;
  product.take_events();
  product.change_batch_quantity("wh", 5, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{
                events::BatchQuantityChanged{"LAMP", "wh", 10, 5},
                events::ReservationReleased{"h2", "LAMP", 4, "wh", events::HoldRelease::stock}}));
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 3);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 2);
  EXPECT_EQ(product.batch("ship")->reserved_quantity(), 0);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{h1});
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{h2, HoldEnd::released}}));
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 4), "h2", kTestNow), UnknownHold);
}

// Most recent first, one after the other, as long as the batch is over-committed.
TEST(ProductHolds, LoweringABatchTakesOffAsManyHoldsAsItMust) {
  auto product = product_of("LAMP", {{"wh", 10, {}}, {"ship", 2, kTomorrow}});
  product.reserve("h1", 2, kTtl, kTestNow);
  product.reserve("h2", 3, kTtl, kTestNow);
  product.reserve("h3", 2, kTtl, kTestNow);
  product.take_events();
  product.change_batch_quantity("wh", 2, kTestNow);  // 7 held in 2
  EXPECT_EQ(product.events(),
            (std::vector<Event>{
                events::BatchQuantityChanged{"LAMP", "wh", 10, 2},
                events::ReservationMoved{"h3", "LAMP", 2, "wh", "ship"},
                events::ReservationReleased{"h2", "LAMP", 3, "wh", events::HoldRelease::stock}}));
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 2);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 0);
  EXPECT_EQ(product.batch("ship")->reserved_quantity(), 2);
  EXPECT_EQ(product.batch("ship")->available_quantity(), 0);
  ASSERT_NE(product.holds().find("h1"), nullptr);
  EXPECT_EQ(product.holds().find("h1")->batchref(), "wh");
  expect_no_batch_over_committed(product);
}

// Holds go before lines; lines are taken off only if the batch is still over-committed.
TEST(ProductHolds, LoweringABatchTakesOffHoldsBeforeLines) {
  auto product = product_of("LAMP", {{"wh", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 3), kTestNow);
  product.reserve("h1", 2, kTtl, kTestNow);
  product.allocate(OrderLine("o2", "LAMP", 2), kTestNow);
  product.take_events();
  product.change_batch_quantity("wh", 5, kTestNow);  // 3 + 2 allocated, 2 held: the hold goes
  EXPECT_EQ(product.events(),
            (std::vector<Event>{
                events::BatchQuantityChanged{"LAMP", "wh", 10, 5},
                events::ReservationReleased{"h1", "LAMP", 2, "wh", events::HoldRelease::stock}}));
  EXPECT_EQ(product.batch("wh")->allocated_quantity(), 5);
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("wh")->loaded_lines(),
            (std::vector<OrderLine>{OrderLine("o1", "LAMP", 3), OrderLine("o2", "LAMP", 2)}));
}

TEST(ProductHolds, LoweringABatchTakesOffLinesWhenItsHoldsAreNotEnough) {
  auto product = product_of("LAMP", {{"wh", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 3), kTestNow);
  product.allocate(OrderLine("o2", "LAMP", 2), kTestNow);
  product.reserve("h1", 2, kTtl, kTestNow);
  product.take_events();
  product.change_batch_quantity("wh", 4, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{
                events::BatchQuantityChanged{"LAMP", "wh", 10, 4},
                events::ReservationReleased{"h1", "LAMP", 2, "wh", events::HoldRelease::stock},
                events::Deallocated{"o2", "LAMP", 2, "wh"}}));
  EXPECT_EQ(product.batch("wh")->allocated_quantity(), 3);
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 1);
  EXPECT_EQ(product.batch("wh")->loaded_lines(),
            std::vector<OrderLine>{OrderLine("o1", "LAMP", 3)});
  EXPECT_TRUE(product.holds().live().empty());
}

TEST(ProductHolds, LoweringABatchWithinWhatIsFreeTouchesNoHold) {
  auto product = product_of("LAMP", {{"wh", 10, {}}, {"ship", 10, kTomorrow}});
  const Hold h1 = product.reserve("h1", 3, kTtl, kTestNow).hold;
  product.take_events();
  product.change_batch_quantity("wh", 3, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "wh", 10, 3}}));
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{h1});
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 3);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 0);
}

// As a repository loads it for a quantity change: every hold of the batch. The expired one
// holds nothing, so the live, more recent one stays.
TEST(ProductHolds, LoweringABatchEndsItsExpiredHoldsFirst) {
  const Hold expired = stored_hold("eh", 3, "wh", kTestNow - 1s);
  const Hold live = stored_hold("h1", 4, "wh", kTestNow + 60s);
  Product product("LAMP", {Batch::restore("wh", "LAMP", 10, std::nullopt, 0, {}, 7)}, 5,
                  holding(Holds({expired, live})));
  product.change_batch_quantity("wh", 5, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "wh", 10, 5},
                                events::ReservationExpired{"eh", "LAMP", 3, "wh"}}));
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{live});
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{expired, HoldEnd::expired}}));
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 4);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 1);
  expect_no_batch_over_committed(product);
}

// Ending the expired holds is not always enough: then the live ones and lines follow.
TEST(ProductHolds, LoweringABatchEndsExpiredHoldsThenMovesLiveOnesThenTakesLinesOff) {
  const Hold expired = stored_hold("eh", 2, "wh", kTestNow);
  const Hold live = stored_hold("h1", 3, "wh", kTestNow + 60s);
  Product product("LAMP",
                  {Batch::restore("wh", "LAMP", 10, std::nullopt, 4,
                                  {OrderLine("o1", "LAMP", 1), OrderLine("o2", "LAMP", 3)}, 5),
                   Batch::restore("ship", "LAMP", 1, kTomorrow, 0, {})},
                  5, holding(Holds({expired, live})));
  product.change_batch_quantity("wh", 2, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{
                events::BatchQuantityChanged{"LAMP", "wh", 10, 2},
                events::ReservationExpired{"eh", "LAMP", 2, "wh"},
                events::ReservationReleased{"h1", "LAMP", 3, "wh", events::HoldRelease::stock},
                events::Deallocated{"o2", "LAMP", 3, "wh"}}));
  EXPECT_EQ(product.batch("wh")->reserved_quantity(), 0);
  EXPECT_EQ(product.batch("wh")->allocated_quantity(), 1);
  EXPECT_EQ(product.batch("wh")->available_quantity(), 1);
  EXPECT_TRUE(product.holds().live().empty());
  expect_no_batch_over_committed(product);
}

TEST(ProductHolds, RaisingABatchTouchesNoHold) {
  auto product = product_of("LAMP", {{"wh", 10, {}}});
  const Hold h1 = product.reserve("h1", 3, kTtl, kTestNow).hold;
  product.take_events();
  product.change_batch_quantity("wh", 20, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "wh", 10, 20}}));
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{h1});
  EXPECT_EQ(product.batch("wh")->available_quantity(), 17);
}

// A repository that did not load the holds of the batch whose quantity changes has a bug.
TEST(ProductHolds, LoweringABatchNeedsItsHoldsLoaded) {
  Product product("LAMP", {Batch::restore("wh", "LAMP", 10, std::nullopt, 0, {}, 7)}, 5);
  EXPECT_THROW(product.change_batch_quantity("wh", 5, kTestNow), std::logic_error);
}

// --- Each of these failed before the fix that came with it (LowStock once per operation, at
// its end; a shrinking batch serving the queue from the holds it released) ---

// SPEC §7.4: low_stock when the available units fall to the threshold or below it, once.
TEST(ProductHolds, AllocatingWithAHoldRecordsLowStockOnce) {
  auto product = with_policy(product_of("LAMP", {{"b1", 10, {}}, {"b2", 2, kTomorrow}}),
                             {.backorders = true, .low_stock_threshold = 3});
  product.allocate(OrderLine("o0", "LAMP", 5), kTestNow);  // b1: 5 free
  product.reserve("h1", 3, kTtl, kTestNow);                // b1: 2 free; 4 in all
  product.allocate(OrderLine("w", "LAMP", 4), kTestNow);   // fits no batch: waits
  product.take_events();
  // b1: 2 + 3 freed - 1 = 4, which the waiting line takes: 2 left in all.
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 1), "h1", kTestNow), "b1");
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationConsumed{"h1", "LAMP", 3, "b1", "o1"},
                                events::Allocated{"o1", "LAMP", 1, "b1"},
                                events::Allocated{"w", "LAMP", 4, "b1"},
                                events::BackInStock{"LAMP", 2}, events::LowStock{"LAMP", 2, 3}}));
}

// Without the expired hold, lowering b1 from 10 to 3 records LowStock (3 <= 3); an expired hold
// holds nothing (SPEC §7.3), so it must not change that.
TEST(ProductHolds, LoweringABatchWithAnExpiredHoldRecordsLowStock) {
  const Hold expired = stored_hold("eh", 4, "b1", kTestNow - 1s);
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 4)}, 5,
                  holding(Holds({expired}), {.backorders = false, .low_stock_threshold = 3}));
  product.change_batch_quantity("b1", 3, kTestNow);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "b1", 10, 3},
                                                  events::ReservationExpired{"eh", "LAMP", 4, "b1"},
                                                  events::LowStock{"LAMP", 3, 3}}));
}

// SPEC §7.2: whenever stock becomes available (a hold released...), the waiting lines that fit
// are allocated; Product: no waiting line fits in what is free after any operation.
TEST(ProductHolds, AHoldReleasedByAShrinkingBatchServesWaitingLines) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 10, {}}}));
  product.reserve("h1", 8, kTtl, kTestNow);                                        // 2 free
  EXPECT_EQ(product.allocate(OrderLine("w", "LAMP", 3), kTestNow), std::nullopt);  // waits
  product.take_events();
  product.change_batch_quantity("b1", 7, kTestNow);  // h1 released: 7 free
  const std::vector<Event> expected_first{
      events::BatchQuantityChanged{"LAMP", "b1", 10, 7},
      events::ReservationReleased{"h1", "LAMP", 8, "b1", events::HoldRelease::stock},
      events::Allocated{"w", "LAMP", 3, "b1"}};
  ASSERT_GE(product.events().size(), expected_first.size());
  EXPECT_EQ(std::vector<Event>(product.events().begin(), product.events().begin() + 3),
            expected_first);
  EXPECT_EQ(product.waiting_line("w"), nullptr);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 4);
}

}  // namespace
}  // namespace allocation::domain
