#include <time.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>

#include "e2e/e2e_test.hpp"

// Holds (SPEC §7.3) through the real binary: POST /reservations, GET, extend and DELETE of
// /reservations/<id>, allocate with "reservation", the sweep of expired holds, their movements
// and `allocation verify`.
namespace allocation::testing {
namespace {

using Clock = std::chrono::system_clock;

// "YYYY-MM-DDTHH:MM:SS.mmmZ" (RFC 3339 UTC, milliseconds), as the service writes times of holds.
Clock::time_point parse_instant(const std::string& text) {
  EXPECT_TRUE(std::regex_match(text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << text;
  std::tm tm{};
  int ms = 0;
  std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
              &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return Clock::from_time_t(::timegm(&tm)) + std::chrono::milliseconds(ms);
}

std::chrono::seconds seconds_from_now(const std::string& instant) {
  return std::chrono::duration_cast<std::chrono::seconds>(parse_instant(instant) - Clock::now());
}

class Reservations : public EndToEnd {
 protected:
  Reply reserve(const json& body) const { return post("/reservations", body); }
  Reply extend(const std::string& id, int ttl_s) const {
    return post("/reservations/" + id + "/extend", json{{"ttl_s", ttl_s}});
  }
  Reply release(const std::string& id) const {
    return reply(service->client().Delete("/reservations/" + id));
  }
  json batch(const std::string& sku, std::size_t index) const {
    return get("/products/" + sku).body["batches"][index];
  }
  // Each movement of the product as "kind qty [reason] [orderid] [reservation]".
  std::vector<std::string> movements(const std::string& sku) const {
    std::vector<std::string> lines;
    const Reply page = get("/products/" + sku + "/movements");
    for (const json& m : page.body["movements"]) {
      std::string line = m["kind"].get<std::string>() + " " + m["qty"].dump();
      for (const char* field : {"reason", "orderid", "reservation"}) {
        if (m.contains(field)) line += " " + m[field].get<std::string>();
      }
      lines.push_back(line);
    }
    return lines;
  }
};

TEST_P(Reservations, TheSameHoldAgainIsAnsweredAndOtherDataConflicts) {
  add_batch("b1", "LAMP", 10);
  const json ask = {{"id", "h1"}, {"sku", "LAMP"}, {"qty", 3}};
  const Reply held = reserve(ask);
  ASSERT_EQ(held.status, 201) << held.text;
  EXPECT_EQ(held.body["id"], "h1");
  EXPECT_EQ(held.body["sku"], "LAMP");
  EXPECT_EQ(held.body["qty"], 3);
  EXPECT_EQ(held.body["batchref"], "b1");
  const auto ttl = seconds_from_now(held.body["expires_at"]);
  EXPECT_GE(ttl.count(), 890) << "900 s by default";
  EXPECT_LE(ttl.count(), 900);

  const Reply again = reserve(ask);
  EXPECT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body, held.body) << "the same hold, its expiry not pushed";

  const Reply other_qty = reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 4}});
  EXPECT_EQ(other_qty.status, 409) << other_qty.text;
  EXPECT_NE(other_qty.text.find("h1"), std::string::npos) << other_qty.text;

  const Reply too_many = reserve(json{{"sku", "LAMP"}, {"qty", 8}});
  EXPECT_EQ(too_many.status, 409) << too_many.text;
  EXPECT_EQ(too_many.body["message"], "no batch of LAMP can hold 8");

  const json product = get("/products/LAMP").body;
  EXPECT_EQ(product["reserved"], 3);
  EXPECT_EQ(product["available"], 7);
  EXPECT_EQ(product["batches"][0]["reserved"], 3);
  expect_ledger_verified(scratch.url());
}

TEST_P(Reservations, GetAnswersTheLiveHoldAndExtendMovesItsExpiry) {
  add_batch("b1", "LAMP", 10);
  const Reply held = reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 2}, {"ttl_s", 60}});
  ASSERT_EQ(held.status, 201) << held.text;
  const Reply read = get("/reservations/h1");
  ASSERT_EQ(read.status, 200) << read.text;
  EXPECT_EQ(read.body, held.body);
  EXPECT_LE(seconds_from_now(read.body["expires_at"]).count(), 60);

  const Reply extended = extend("h1", 3600);
  ASSERT_EQ(extended.status, 200) << extended.text;
  EXPECT_EQ(extended.body["id"], "h1");
  EXPECT_EQ(extended.body["qty"], 2);
  EXPECT_EQ(extended.body["batchref"], "b1");
  EXPECT_GE(seconds_from_now(extended.body["expires_at"]).count(), 3590);
  EXPECT_GT(parse_instant(extended.body["expires_at"]), parse_instant(held.body["expires_at"]));
  EXPECT_EQ(get("/reservations/h1").body, extended.body) << "the extension is stored";
  EXPECT_EQ(get("/products/LAMP").body["reserved"], 2) << "an extension holds no more";
  expect_ledger_verified(scratch.url());
}

// b1 has 5 units, all held (h1: 3, h2: 2); b2 has 10. Without its hold a line of 3 would go to
// b2; with h1 it takes b1, and h1 ends.
TEST_P(Reservations, AllocatingWithAHoldTakesTheHeldBatchAndEndsTheHold) {
  add_batch("b1", "LAMP", 5);
  add_batch("b2", "LAMP", 10);
  ASSERT_EQ(reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 3}}).body["batchref"], "b1");
  ASSERT_EQ(reserve(json{{"id", "h2"}, {"sku", "LAMP"}, {"qty", 2}}).body["batchref"], "b1");

  const Reply allocated = post(
      "/allocate", json{{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}, {"reservation", "h1"}});
  ASSERT_EQ(allocated.status, 202) << allocated.text;
  EXPECT_EQ(allocated.body, (json{{"batchref", "b1"}}));
  EXPECT_EQ(get("/allocations/o1").body, (json::array({{{"sku", "LAMP"}, {"batchref", "b1"}}})));

  const Reply used = get("/reservations/h1");
  EXPECT_EQ(used.status, 404) << used.text;
  const Reply reused = reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 3}});
  EXPECT_EQ(reused.status, 409) << "an id names one hold for good: " << reused.text;
  const Reply again = post(
      "/allocate", json{{"orderid", "o2"}, {"sku", "LAMP"}, {"qty", 3}, {"reservation", "h1"}});
  EXPECT_EQ(again.status, 404) << again.text;

  const json b1 = batch("LAMP", 0);
  EXPECT_EQ(b1["allocated"], 3);
  EXPECT_EQ(b1["reserved"], 2);
  EXPECT_EQ(b1["available"], 0);
  EXPECT_EQ(batch("LAMP", 1)["allocated"], 0);
  EXPECT_EQ(get("/reservations/h2").status, 200) << "the other hold stays";
  expect_ledger_verified(scratch.url());
}

// A hold named by an order whose line exists already (made without it) ends all the same: its
// units are free again at once, not when it would have expired.
TEST_P(Reservations, AHoldNamedForALineTheOrderHasAlreadyEnds) {
  add_batch("b1", "LAMP", 10);
  const json line{{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}};
  const Reply first = post("/allocate", line);
  ASSERT_EQ(first.status, 202) << first.text;
  ASSERT_EQ(reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 4}}).status, 201);

  json with_hold = line;
  with_hold["reservation"] = "h1";
  const Reply answered = post("/allocate", with_hold);
  EXPECT_EQ(answered.status, first.status) << answered.text;
  EXPECT_EQ(answered.body, first.body);
  EXPECT_EQ(get("/reservations/h1").status, 404);
  const json product = get("/products/LAMP").body;
  EXPECT_EQ(product["reserved"], 0);
  EXPECT_EQ(product["allocated"], 3);
  EXPECT_EQ(product["available"], 7);
  EXPECT_EQ(movements("LAMP"),
            (std::vector<std::string>{"received 10", "allocated -3 o1", "reserved -4 h1",
                                      "unreserved 4 allocated o1 h1"}));
  expect_ledger_verified(scratch.url());
}

TEST_P(Reservations, DeleteReleasesTheHold) {
  add_batch("b1", "LAMP", 10);
  ASSERT_EQ(reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 4}}).status, 201);
  const Reply released = release("h1");
  EXPECT_EQ(released.status, 204) << released.text;
  EXPECT_TRUE(released.text.empty()) << released.text;
  EXPECT_EQ(get("/reservations/h1").status, 404);
  EXPECT_EQ(release("h1").status, 404) << "released already";
  EXPECT_EQ(extend("h1", 60).status, 404);
  const json product = get("/products/LAMP").body;
  EXPECT_EQ(product["reserved"], 0);
  EXPECT_EQ(product["available"], 10);
  expect_ledger_verified(scratch.url());
}

TEST_P(Reservations, TheLedgerHasEachHoldsMovementsNamingIt) {
  add_batch("b1", "LAMP", 10);
  ASSERT_EQ(reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 3}}).status, 201);
  ASSERT_EQ(release("h1").status, 204);
  ASSERT_EQ(reserve(json{{"id", "h2"}, {"sku", "LAMP"}, {"qty", 2}}).status, 201);
  ASSERT_EQ(
      post("/allocate", json{{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 2}, {"reservation", "h2"}})
          .status,
      202);
  EXPECT_EQ(movements("LAMP"),
            (std::vector<std::string>{"received 10", "reserved -3 h1", "unreserved 3 requested h1",
                                      "reserved -2 h2", "unreserved 2 allocated o1 h2",
                                      "allocated -2 o1"}));
  expect_ledger_verified(scratch.url());
}

TEST_P(Reservations, TheMovementsCommandNamesTheHold) {
  add_batch("b1", "LAMP", 10);
  ASSERT_EQ(reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 3}}).status, 201);
  const auto listed = run_allocation({"movements", "--sku", "LAMP", "--db", scratch.url()});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("reserved -3 reservation h1\n"), std::string::npos) << listed.out;
}

// The real clock and the real sweep: a hold of 1 s, swept every second, is ended within a few.
TEST_P(Reservations, AnExpiredHoldIsSweptAndAnswers410) {
  service.reset();
  service = std::make_unique<ServiceProcess>(
      std::vector<std::string>{"--db", scratch.url(), "--reservation-sweep", "1"});
  add_batch("b1", "LAMP", 10);
  const Reply held = reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 4}, {"ttl_s", 1}});
  ASSERT_EQ(held.status, 201) << held.text;
  const std::string expires_at = held.body["expires_at"];
  const auto expiry = parse_instant(expires_at);
  EXPECT_LE(expiry - Clock::now(), std::chrono::seconds(1));

  Reply read{0, nullptr, ""};
  json product;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    read = get("/reservations/h1");
    product = get("/products/LAMP").body;
    const bool swept = read.status == 410 && product["reserved"] == 0 &&
                       service->log().find("expired 1 reservations") != std::string::npos;
    if (swept || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(Clock::now(), expiry);
  EXPECT_EQ(read.status, 410) << read.text;
  EXPECT_EQ(read.body, (json{{"message", "reservation h1 expired at " + expires_at}}));
  EXPECT_EQ(product["reserved"], 0) << product;
  EXPECT_EQ(product["available"], 10) << product;
  EXPECT_NE(service->log().find("expired 1 reservations"), std::string::npos) << service->log();
  EXPECT_EQ(movements("LAMP"),
            (std::vector<std::string>{"received 10", "reserved -4 h1", "unreserved 4 expired h1"}));
  const Reply reused = reserve(json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 4}, {"ttl_s", 1}});
  EXPECT_EQ(reused.status, 410) << reused.text;
  EXPECT_EQ(extend("h1", 60).status, 410);
  EXPECT_EQ(release("h1").status, 410);
  expect_ledger_verified(scratch.url());
}

INSTANTIATE_TEST_SUITE_P(Databases, Reservations,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_test_name);

}  // namespace
}  // namespace allocation::testing
