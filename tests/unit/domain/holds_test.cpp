#include "allocation/domain/holds.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "allocation/domain/product.hpp"
#include "support/domain_products.hpp"
#include "support/print_domain.hpp"
#include "support/test_time.hpp"

namespace allocation::domain {
namespace {

using namespace testing;

using namespace std::chrono_literals;

Hold hold_of(const std::string& id, int qty, const std::string& batchref, Instant expires_at) {
  return Hold(id, "LAMP", qty, batchref, expires_at, 900s);
}

TEST(Holds, HasNoHoldByDefault) {
  const Holds holds;
  EXPECT_TRUE(holds.live().empty());
  EXPECT_TRUE(holds.ended().empty());
  EXPECT_EQ(holds.find("h1"), nullptr);
  EXPECT_FALSE(holds.ended_here("h1"));
}

TEST(Holds, FindsALoadedHoldByItsId) {
  const Hold h1 = hold_of("h1", 2, "b1", kTestNow + 60s);
  const Hold h2 = hold_of("h2", 3, "b2", kTestNow - 60s);  // expired: still found, still live
  const Holds holds({h1, h2});
  ASSERT_NE(holds.find("h1"), nullptr);
  EXPECT_EQ(*holds.find("h1"), h1);
  ASSERT_NE(holds.find("h2"), nullptr);
  EXPECT_EQ(*holds.find("h2"), h2);
  EXPECT_EQ(holds.find("h3"), nullptr);
  EXPECT_EQ(holds.find(""), nullptr);
  EXPECT_EQ(holds.find("H1"), nullptr);                  // ids are compared exactly
  EXPECT_EQ(holds.live(), (std::vector<Hold>{h1, h2}));  // in the order they were made
  EXPECT_TRUE(holds.ended().empty());
  EXPECT_FALSE(holds.ended_here("h1"));
}

// A source is read only when a rule needs the expired holds, never by building or finding.
TEST(Holds, TheSourceIsNotReadToFind) {
  StoredHolds stored{{hold_of("h9", 1, "b1", kTestNow - 1s)}};
  const Holds holds({hold_of("h1", 2, "b1", kTestNow + 60s)}, stored.source());
  EXPECT_EQ(holds.find("h9"), nullptr);  // stored, not loaded
  EXPECT_NE(holds.find("h1"), nullptr);
  EXPECT_EQ(stored.calls, 0);
}

// The source's holds join those loaded, without the loaded ones twice: h1 is both loaded and
// stored. Expired are ended, in the order they are live: loaded first, then the source's.
TEST(Holds, TheExpiredOnesAreThoseLoadedAndTheSourcesWithoutDuplicates) {
  const Hold h1 = hold_of("h1", 3, "b1", kTestNow);        // loaded, expired
  const Hold h2 = hold_of("h2", 2, "b1", kTestNow + 60s);  // loaded, live
  const Hold h3 = hold_of("h3", 4, "b1", kTestNow - 60s);  // stored only, expired
  StoredHolds stored{{h1, h2, h3}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 9)}, 5,
                  holding(Holds({h1, h2}, stored.source())));
  EXPECT_EQ(product.expire_holds(kTestNow), 2);
  EXPECT_EQ(stored.calls, 1);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::ReservationExpired{"h1", "LAMP", 3, "b1"},
                                events::ReservationExpired{"h3", "LAMP", 4, "b1"}}));
  const Holds& holds = product.holds();
  EXPECT_EQ(holds.live(), std::vector<Hold>{h2});
  EXPECT_EQ(holds.ended(),
            (std::vector<EndedHold>{{h1, HoldEnd::expired}, {h3, HoldEnd::expired}}));
  EXPECT_TRUE(holds.ended_here("h1"));
  EXPECT_TRUE(holds.ended_here("h3"));
  EXPECT_FALSE(holds.ended_here("h2"));
  EXPECT_EQ(holds.find("h1"), nullptr);  // ended: no longer live
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 2);
  EXPECT_EQ(product.version_number(), 6);
}

// Until the unit of work commits, a hold it ended is still stored, and the source gives it again.
TEST(Holds, AHoldEndedHereIsNotTakenBackFromTheSource) {
  const Hold h1 = hold_of("h1", 3, "b1", kTestNow);
  StoredHolds stored{{h1}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 3)}, 5,
                  holding(Holds({}, stored.source())));
  EXPECT_EQ(product.expire_holds(kTestNow), 1);
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.expire_holds(kTestNow + 1s), 0);
  EXPECT_EQ(stored.calls, 2);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{h1, HoldEnd::expired}}));
  EXPECT_TRUE(product.holds().live().empty());
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);  // given back once
}

// Released before it expired, then the stored copy expires: it ended once, released.
TEST(Holds, AHoldReleasedHereDoesNotExpireFromTheSource) {
  const Hold h1 = hold_of("h1", 3, "b1", kTestNow + 60s);
  StoredHolds stored{{h1}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 3)}, 5,
                  holding(Holds({h1}, stored.source())));
  product.release_hold("h1", kTestNow);
  product.take_events();
  EXPECT_EQ(product.expire_holds(kTestNow + 60s), 0);
  EXPECT_EQ(stored.calls, 1);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{h1, HoldEnd::released}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
}

// The loaded hold is the one this unit of work changed: the stored copy's older expiry is not
// taken for it.
TEST(Holds, ALoadedHoldExtendedHereDoesNotExpireByItsStoredCopy) {
  const Hold h1 = hold_of("h1", 3, "b1", kTestNow + 5s);
  StoredHolds stored{{h1}};
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 3)}, 5,
                  holding(Holds({h1}, stored.source())));
  product.extend_hold("h1", 60s, kTestNow);
  product.take_events();
  EXPECT_EQ(product.expire_holds(kTestNow + 10s), 0);
  EXPECT_EQ(stored.calls, 1);
  EXPECT_TRUE(product.events().empty());
  ASSERT_NE(product.holds().find("h1"), nullptr);
  EXPECT_EQ(product.holds().find("h1")->expires_at(), kTestNow + 60s);
  EXPECT_EQ(product.holds().live().size(), 1u);
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 3);
}

// Without a source, the loaded holds are all there are.
TEST(Holds, WithoutASourceOnlyTheLoadedHoldsExpire) {
  const Hold h1 = hold_of("h1", 3, "b1", kTestNow - 1s);
  const Hold h2 = hold_of("h2", 2, "b1", kTestNow + 1s);
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 5)}, 5,
                  holding(Holds({h1, h2})));
  EXPECT_EQ(product.expire_holds(kTestNow), 1);
  EXPECT_EQ(product.holds().live(), std::vector<Hold>{h2});
  EXPECT_EQ(product.holds().ended(), (std::vector<EndedHold>{{h1, HoldEnd::expired}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 2);
}

// What ended and how, for the repository to write: a hold consumed, one released, one expired.
TEST(Holds, KeepsHowEachHoldEnded) {
  Product product("LAMP");
  product.add_batch(Batch("b1", "LAMP", 10, std::nullopt), kTestNow);
  const Hold a = product.reserve("a", 1, 60s, kTestNow).hold;
  const Hold b = product.reserve("b", 2, 60s, kTestNow).hold;
  const Hold c = product.reserve("c", 3, 10s, kTestNow).hold;
  EXPECT_EQ(product.holds().live(), (std::vector<Hold>{a, b, c}));
  EXPECT_TRUE(product.holds().ended().empty());
  product.allocate(OrderLine("o1", "LAMP", 1), "a", kTestNow);
  product.release_hold("b", kTestNow);
  product.expire_holds(kTestNow + 10s);
  EXPECT_EQ(product.holds().ended(),
            (std::vector<EndedHold>{
                {a, HoldEnd::consumed}, {b, HoldEnd::released}, {c, HoldEnd::expired}}));
  EXPECT_TRUE(product.holds().live().empty());
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_TRUE(product.holds().ended_here(id)) << id;
    EXPECT_EQ(product.holds().find(id), nullptr) << id;
  }
  EXPECT_FALSE(product.holds().ended_here("d"));
}

}  // namespace
}  // namespace allocation::domain
