#include "allocation/adapters/sql/sql_reservations.hpp"

#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/session.h>

#include <algorithm>
#include <set>

#include "allocation/adapters/in_memory/recording_notifications.hpp"
#include "allocation/adapters/sql/sql_stock_ledger.hpp"
#include "allocation/bootstrap/bootstrap.hpp"
#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using service_layer::HoldStatus;
using service_layer::ReservationView;
using service_layer::UnitOfWork;

// The query side of holds: one hold by id, live or ended, and the products the sweep ends.
class SqlReservationsTest : public testing::SqlTest {
 protected:
  void SetUp() override {
    SqlTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    reservations = std::make_shared<SqlReservations>(database);
    clock->set_now(kTestNow);
  }

  void TearDown() override {
    if (!database || IsSkipped()) return;
    for (const auto& d : SqlStockLedger(database).verify().differences) {
      ADD_FAILURE() << "ledger: batch " << d.batchref << " " << d.field << " stored " << d.stored
                    << ", recomputed " << d.recomputed;
    }
  }

  // Holds `qty` of `sku` for `ttl` from the clock's now, in a unit of work.
  void reserve(const std::string& sku, const std::string& id, int qty, std::chrono::seconds ttl) {
    change_product(sku, "", [&](domain::Product& product) {
      product.reserve(id, qty, ttl, service_layer::instant_now(*clock));
    });
  }

  // Runs `change` on the product loaded with its hold `id`, in a committed unit of work.
  void change_hold(const std::string& sku, const std::string& id,
                   const std::function<void(domain::Product&)>& change) {
    units_of_work->perform([&](UnitOfWork& uow) {
      change(*uow.products().get(sku, "", id));
      uow.commit();
    });
  }

  std::set<std::string> expired_skus(int limit) {
    const auto skus = reservations->skus_with_expired(service_layer::instant_now(*clock), limit);
    return {skus.begin(), skus.end()};
  }

  std::shared_ptr<SqlReservations> reservations;
  static constexpr std::chrono::seconds kMinute{60};
};

TEST_P(SqlReservationsTest, FindsALiveHoldAsStored) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  clock->set_now(kTestNow + std::chrono::milliseconds(7));
  reserve("LAMP", "h1", 3, kMinute);
  EXPECT_EQ(reservations->find("h1"),
            (ReservationView{"h1", "LAMP", 3, "b1",
                             kTestNow + std::chrono::milliseconds(7) + kMinute, HoldStatus::held}));
  EXPECT_EQ(reservations->find("nope"), std::nullopt);
  // Past its time and not ended yet: held, and expired at the reader's now.
  clock->advance(kMinute * 2);
  const auto late = reservations->find("h1");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, HoldStatus::held);
  EXPECT_TRUE(late->expired(service_layer::instant_now(*clock)));
}

TEST_P(SqlReservationsTest, FindsHowAHoldEnded) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  reserve("LAMP", "released", 1, kMinute);
  reserve("LAMP", "consumed", 2, kMinute);
  reserve("LAMP", "expired", 3, kMinute);
  const domain::Instant now = kTestNow;
  change_hold("LAMP", "released",
              [&](domain::Product& lamp) { lamp.release_hold("released", now); });
  EXPECT_EQ(reservations->find("released")->status, HoldStatus::released);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products()
        .get("LAMP", "o1", "consumed")
        ->allocate(domain::OrderLine("o1", "LAMP", 2), "consumed", now);
    uow.commit();
  });
  EXPECT_EQ(reservations->find("consumed")->status, HoldStatus::consumed);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("LAMP")->expire_holds(now + kMinute);
    uow.commit();
  });
  EXPECT_EQ(reservations->find("expired"),
            (ReservationView{"expired", "LAMP", 3, "b1", now + kMinute, HoldStatus::expired}));
  EXPECT_TRUE(reservations->find("expired")->expired(now)) << "whatever the reader's now";
}

TEST_P(SqlReservationsTest, SkusWithExpiredListsOnlyThoseWithExpiredHoldsUpToTheLimit) {
  for (const char* sku : {"A", "B", "C", "D", "E"}) {
    add_product(sku, {{std::string(sku) + "-b1", 10, std::nullopt}});
  }
  reserve("A", "a1", 1, kMinute);
  reserve("A", "a2", 1, kMinute);  // two expired holds: A once
  reserve("B", "b1", 1, kMinute * 10);
  reserve("C", "c1", 1, kMinute);
  reserve("C", "c2", 1, kMinute * 10);
  reserve("D", "d1", 1, std::chrono::seconds(30));
  reserve("E", "e1", 1, kMinute);
  change_hold("E", "e1", [&](domain::Product& e) { e.release_hold("e1", kTestNow); });
  EXPECT_TRUE(expired_skus(100).empty()) << "none expired yet";
  clock->advance(kMinute);  // a1, a2, c1 at their expires_at; d1 past it
  EXPECT_EQ(expired_skus(100), (std::set<std::string>{"A", "C", "D"}));
  const auto two = reservations->skus_with_expired(service_layer::instant_now(*clock), 2);
  EXPECT_EQ(two.size(), 2u);
  for (const auto& sku : two) EXPECT_TRUE(sku == "A" || sku == "C" || sku == "D") << sku;
  EXPECT_NE(two[0], two[1]);
  EXPECT_EQ(reservations->skus_with_expired(service_layer::instant_now(*clock), 1).size(), 1u);
}

// The sweep through the bus, on this query: every expired hold ends expired, once.
TEST_P(SqlReservationsTest, TheSweepEndsExpiredHoldsAndFindAnswersExpired) {
  for (const char* sku : {"A", "B"})
    add_product(sku, {{std::string(sku) + "-b1", 10, std::nullopt}});
  reserve("A", "a1", 2, kMinute);
  reserve("B", "b1", 3, kMinute);
  reserve("B", "b2", 4, kMinute * 5);
  const auto bus =
      bootstrap::make_message_bus({.units_of_work = units_of_work,
                                   .read_model = nullptr,
                                   .notifications = std::make_shared<RecordingNotifications>(),
                                   .publisher = nullptr,
                                   .clock = clock,
                                   .reservations = reservations});
  EXPECT_EQ(bus.handle(domain::commands::ExpireReservations{}), 0);
  clock->advance(kMinute);
  EXPECT_EQ(bus.handle(domain::commands::ExpireReservations{}), 2);
  EXPECT_EQ(reservations->find("a1")->status, HoldStatus::expired);
  EXPECT_EQ(reservations->find("b1")->status, HoldStatus::expired);
  EXPECT_EQ(reservations->find("b2")->status, HoldStatus::held);
  EXPECT_TRUE(expired_skus(100).empty());
  EXPECT_EQ(bus.handle(domain::commands::ExpireReservations{}), 0) << "a no-op the second time";
  auto lease = database->acquire();
  long long messages = 0;
  lease.session() << "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE channel = "
                     "'reservation_expired'",
      soci::into(messages);
  EXPECT_EQ(messages, 2);
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlReservationsTest);

}  // namespace
}  // namespace allocation::adapters::sql
