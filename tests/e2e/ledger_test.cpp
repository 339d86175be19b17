#include <soci/session.h>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "e2e/e2e_test.hpp"

// The ledger (SPEC §7.6) through the real binary: GET /products/<sku>/movements, and the
// `movements` and `verify` commands.
namespace allocation::testing {
namespace {

class Ledger : public EndToEnd {};

TEST_P(Ledger, GetMovementsPagesAProductsLedger) {
  add_batch("b1", "LAMP", 10, nullptr);
  add_batch("d1", "DESK", 10, nullptr);
  for (const char* order : {"o1", "o2", "o3"}) ASSERT_EQ(allocate(order, "LAMP", 2).status, 202);

  const Reply first = get("/products/LAMP/movements?limit=2");
  ASSERT_EQ(first.status, 200) << first.text;
  ASSERT_EQ(first.body["movements"].size(), 2u) << first.text;
  const json& received = first.body["movements"][0];
  EXPECT_EQ(received["sku"], "LAMP");
  EXPECT_EQ(received["batchref"], "b1");
  EXPECT_EQ(received["kind"], "received");
  EXPECT_EQ(received["qty"], 10);
  EXPECT_FALSE(received.contains("orderid"));
  EXPECT_TRUE(received["at"].get<std::string>().ends_with("Z"));
  const json& allocated = first.body["movements"][1];
  EXPECT_EQ(allocated["kind"], "allocated");
  EXPECT_EQ(allocated["qty"], -2);
  EXPECT_EQ(allocated["orderid"], "o1");
  ASSERT_EQ(first.body["next"], allocated["seq"]);

  const Reply rest = get("/products/LAMP/movements?after=" + first.body["next"].dump());
  ASSERT_EQ(rest.status, 200) << rest.text;
  ASSERT_EQ(rest.body["movements"].size(), 2u) << rest.text;
  EXPECT_EQ(rest.body["movements"][0]["orderid"], "o2");
  EXPECT_EQ(rest.body["movements"][1]["orderid"], "o3");
  EXPECT_TRUE(rest.body["next"].is_null());

  const Reply all = get("/products/LAMP/movements");
  EXPECT_EQ(all.body["movements"].size(), 4u) << "the default limit takes all 4";
  EXPECT_EQ(get("/products/NOPE/movements").status, 404);
}

TEST_P(Ledger, ATakenOffLineIsReleasedWithItsReason) {
  add_batch("b1", "LAMP", 10, nullptr);
  ASSERT_EQ(allocate("o1", "LAMP", 6).status, 202);
  ASSERT_EQ(post("/change_batch_quantity", json{{"ref", "b1"}, {"qty", 4}}).status, 200);
  const Reply r = get("/products/LAMP/movements");
  ASSERT_EQ(r.status, 200) << r.text;
  std::vector<std::string> kinds;
  for (const json& m : r.body["movements"]) {
    kinds.push_back(m["kind"].get<std::string>() + " " + m["qty"].dump() +
                    (m.contains("reason") ? " " + m["reason"].get<std::string>() : ""));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"received 10", "allocated -6", "adjusted -6",
                                             "released 6 batch_changed"}));
}

TEST_P(Ledger, VerifyIsCleanThenFindsATamperedBatch) {
  add_batch("b1", "LAMP", 10, nullptr);
  ASSERT_EQ(allocate("o1", "LAMP", 3).status, 202);
  const std::vector<std::string> on = {"--db", scratch.url()};
  auto with_db = [&](std::vector<std::string> args) {
    args.insert(args.end(), on.begin(), on.end());
    return run_allocation(args);
  };
  const auto clean = with_db({"verify"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_EQ(clean.out, "ledger verified: 1 batches, 2 movements, no difference\n");

  const auto listed = with_db({"movements", "--sku", "LAMP", "--limit", "1"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(" b1 received 10\n"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("more: --after "), std::string::npos) << listed.out;
  EXPECT_EQ(with_db({"movements", "--sku", "NOPE"}).exit_code, 1);
  EXPECT_EQ(with_db({"movements", "--sku", "LAMP", "--limit", "0"}).exit_code, 2);

  {
    adapters::sql::Database database(scratch.url(), {.pool_size = 1});
    auto lease = database.acquire();
    lease.connection().execute("UPDATE batches SET purchased_quantity = 12 WHERE reference = 'b1'");
  }
  const auto tampered = with_db({"verify"});
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_EQ(tampered.out, "batch b1: purchased stored 12, recomputed from the ledger 10\n");
}

INSTANTIATE_FOR_BOTH_DATABASES(Ledger);

}  // namespace
}  // namespace allocation::testing
