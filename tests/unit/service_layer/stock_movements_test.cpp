#include "allocation/service_layer/stock_movements.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <type_traits>

#include "support/event_table.hpp"
#include "support/test_time.hpp"

namespace allocation::service_layer {

// GoogleTest prints a failed comparison of movements with this.
void PrintTo(const Movement& m, std::ostream* out) {
  *out << "{" << m.sku << " " << m.batchref << " " << m.kind << " " << m.qty << " "
       << m.orderid.value_or("-") << " " << m.reason.value_or("-") << " "
       << m.reservation.value_or("-") << "}";
}

namespace {

using namespace domain::events;

static_assert(
    testing::decides_for_each_event_alone<std::vector<Movement>, decltype(kStockMovements)>);

// What each event moves: a sample of it and its movements. One function per event, and
// movement_cases() asks for each event of the variant: a new event does not compile here until it
// is given one. The samples' fields differ from each other, so that a field taken for another
// shows.
using MovementCase = testing::EventCase<std::vector<Movement>>;

MovementCase movement_case(std::type_identity<Allocated>) {
  return {Allocated{"o1", "LAMP", 3, "b1"}, {{"LAMP", "b1", "allocated", -3, "o1", std::nullopt}}};
}
MovementCase movement_case(std::type_identity<Deallocated>) {
  return {Deallocated{"o2", "DESK", 4, "b2"},
          {{"DESK", "b2", "released", 4, "o2", "batch_changed"}}};
}
MovementCase movement_case(std::type_identity<OutOfStock>) { return {OutOfStock{"CHAIR"}, {}}; }
MovementCase movement_case(std::type_identity<Backordered>) {
  return {Backordered{"o3", "SOFA", 5}, {}};
}
MovementCase movement_case(std::type_identity<Released>) {
  return {Released{"o4", "RUG", 6, "b4"}, {{"RUG", "b4", "released", 6, "o4", "cancelled"}}};
}
MovementCase movement_case(std::type_identity<BackInStock>) { return {BackInStock{"BED", 7}, {}}; }
MovementCase movement_case(std::type_identity<LowStock>) { return {LowStock{"VASE", 2, 8}, {}}; }
MovementCase movement_case(std::type_identity<BatchAdded>) {
  return {BatchAdded{"CUP", "b9", 9}, {{"CUP", "b9", "received", 9, std::nullopt, std::nullopt}}};
}
MovementCase movement_case(std::type_identity<BatchQuantityChanged>) {
  return {BatchQuantityChanged{"MUG", "b10", 10, 11},
          {{"MUG", "b10", "adjusted", 1, std::nullopt, std::nullopt}}};
}
MovementCase movement_case(std::type_identity<Reserved>) {
  return {Reserved{"r1", "PEN", 12, "b12", kTestNoon},
          {{"PEN", "b12", "reserved", -12, std::nullopt, std::nullopt, "r1"}}};
}
MovementCase movement_case(std::type_identity<ReservationExtended>) {
  return {ReservationExtended{"r2", "INK", kTestNoon}, {}};
}
MovementCase movement_case(std::type_identity<ReservationExpired>) {
  return {ReservationExpired{"r3", "PAD", 13, "b13"},
          {{"PAD", "b13", "unreserved", 13, std::nullopt, "expired", "r3"}}};
}
MovementCase movement_case(std::type_identity<ReservationReleased>) {
  return {ReservationReleased{"r4", "BAG", 14, "b14", HoldRelease::requested},
          {{"BAG", "b14", "unreserved", 14, std::nullopt, "requested", "r4"}}};
}
MovementCase movement_case(std::type_identity<ReservationMoved>) {
  return {ReservationMoved{"r5", "BOX", 15, "b15", "b16"},
          {{"BOX", "b15", "unreserved", 15, std::nullopt, "moved", "r5"},
           {"BOX", "b16", "reserved", -15, std::nullopt, "moved", "r5"}}};
}
MovementCase movement_case(std::type_identity<ReservationConsumed>) {
  return {ReservationConsumed{"r6", "TAPE", 17, "b17", "o17"},
          {{"TAPE", "b17", "unreserved", 17, "o17", "allocated", "r6"}}};
}

std::vector<MovementCase> movement_cases() {
  return testing::every_case(std::type_identity<domain::Event>{},
                             [](auto event) { return movement_case(event); });
}

TEST(StockMovements, EachEventMovesItsBatchOrNothing) {
  const auto cases = movement_cases();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ(cases[i].sample.index(), i) << "each case is a sample of its own event";
    EXPECT_EQ(stock_movements(cases[i].sample), cases[i].expected) << "event #" << i;
  }
}

// A hold its batch could not keep is released for stock.
TEST(StockMovements, AHoldReleasedForStockSaysSo) {
  EXPECT_EQ(stock_movements(ReservationReleased{"r4", "BAG", 14, "b14", HoldRelease::stock}),
            (std::vector<Movement>{{"BAG", "b14", "unreserved", 14, std::nullopt, "stock", "r4"}}));
}

// A line that waited in the backorder queue was on no batch: its release moves no stock.
TEST(StockMovements, AReleasedLineThatWaitedMovesNothing) {
  EXPECT_TRUE(stock_movements(Released{"o4", "RUG", 6, std::nullopt}).empty());
}

TEST(StockMovements, AnAdjustmentIsNewMinusOldPurchasedEitherWayAndNothingWhenEqual) {
  EXPECT_EQ(stock_movements(BatchQuantityChanged{"MUG", "b10", 10, 4}).at(0).qty, -6);
  EXPECT_EQ(stock_movements(BatchQuantityChanged{"MUG", "b10", 4, 10}).at(0).qty, 6);
  EXPECT_TRUE(stock_movements(BatchQuantityChanged{"MUG", "b10", 4, 4}).empty());
}

}  // namespace
}  // namespace allocation::service_layer
