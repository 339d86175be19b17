#include <algorithm>

#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

class Api : public EndToEnd {};

// The reference application's scenarios (its tests/e2e/test_api.py), unchanged, answered byte
// for byte as part one answers them: a client that sends none of part two's fields (warehouse,
// expires, split) sees nothing of them.
TEST_P(Api, AllocatesToTheEarliestBatchAndReturnsItsReference) {
  add_batch("laterbatch", "SKU-1", 100, "2011-01-02");
  add_batch("earlybatch", "SKU-1", 100, "2011-01-01");
  add_batch("otherbatch", "SKU-OTHER", 100, nullptr);
  const Reply r = allocate("order-1", "SKU-1", 3);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.text, R"({"batchref":"earlybatch"})");
  const Reply allocations = get("/allocations/order-1");
  EXPECT_EQ(allocations.status, 200);
  EXPECT_EQ(allocations.text, R"([{"batchref":"earlybatch","sku":"SKU-1"}])");
}

TEST_P(Api, PrefersWarehouseStock) {
  add_batch("shipment", "SKU-2", 100, "2011-01-01");
  add_batch("warehouse", "SKU-2", 100, nullptr);
  EXPECT_EQ(allocate("order-1", "SKU-2", 3).body, (json{{"batchref", "warehouse"}}));
}

TEST_P(Api, UnknownSkuIs400WithTheExactMessageAndTheOrderIsNotFound) {
  const Reply r = allocate("order-1", "UNKNOWN-SKU", 3);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.text, R"({"message":"Invalid sku UNKNOWN-SKU"})");
  EXPECT_EQ(get("/allocations/order-1").status, 404);
}

TEST_P(Api, OutOfStockAnswersNullBatch) {
  add_batch("small", "SKU-3", 2, nullptr);
  const Reply r = allocate("order-1", "SKU-3", 3);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, (json{{"batchref", nullptr}}));
  EXPECT_EQ(get("/allocations/order-1").status, 404);
}

// --- Part two (SPEC §7.1, §7.2) ---

TEST_P(Api, ALineThatWaitsForStockSaysSoAndIsAllocatedWhenStockIsReleased) {
  add_batch("b1", "SKU-20", 3, nullptr);
  const Reply policy = patch("/products/SKU-20", json{{"backorders", true}});
  EXPECT_EQ(policy.status, 200);
  EXPECT_EQ(policy.body,
            (json{{"sku", "SKU-20"}, {"backorders", true}, {"low_stock_threshold", nullptr}}));
  EXPECT_EQ(allocate("order-1", "SKU-20", 3).body, (json{{"batchref", "b1"}}));
  const Reply waiting = allocate("order-2", "SKU-20", 2);
  EXPECT_EQ(waiting.status, 202);
  EXPECT_EQ(waiting.body, (json{{"batchref", nullptr}, {"backordered", true}}));

  const Reply released = post("/deallocate", json{{"orderid", "order-1"}, {"sku", "SKU-20"}});
  EXPECT_EQ(released.status, 200);
  EXPECT_EQ(released.body, (json{{"released", json::array({{{"batchref", "b1"}, {"qty", 3}}})}}));
  EXPECT_EQ(get("/allocations/order-1").status, 404);
  EXPECT_EQ(get("/allocations/order-2").body,
            (json::array({{{"sku", "SKU-20"}, {"batchref", "b1"}}})));
  EXPECT_EQ(get("/products/SKU-20").body["batches"][0]["available"], 1);

  const Reply again = post("/deallocate", json{{"orderid", "order-1"}, {"sku", "SKU-20"}});
  EXPECT_EQ(again.body, (json{{"released", json::array()}}));
  const Reply reallocate = allocate("order-1", "SKU-20", 3);
  EXPECT_EQ(reallocate.status, 409);
  EXPECT_EQ(reallocate.body["message"],
            "order order-1 released its line of SKU-20; a released line is not allocated again");
}

TEST_P(Api, CancellingAnOrderReleasesEveryLineAndTheOrderShowsThemCancelled) {
  add_batch("b1", "SKU-21", 5, nullptr);
  add_batch("d1", "SKU-22", 5, nullptr);
  ASSERT_EQ(allocate("order-1", "SKU-21", 2).status, 202);
  ASSERT_EQ(allocate("order-1", "SKU-22", 1).status, 202);
  const json allocated = {
      {"orderid", "order-1"},
      {"lines", json::array({{{"sku", "SKU-21"},
                              {"qty", 2},
                              {"status", "allocated"},
                              {"allocations", json::array({{{"batchref", "b1"}, {"qty", 2}}})}},
                             {{"sku", "SKU-22"},
                              {"qty", 1},
                              {"status", "allocated"},
                              {"allocations", json::array({{{"batchref", "d1"}, {"qty", 1}}})}}})}};
  EXPECT_EQ(get("/orders/order-1").body, allocated);

  const Reply cancelled = post("/orders/order-1/cancel", std::string());
  EXPECT_EQ(cancelled.status, 200);
  EXPECT_EQ(cancelled.body["released"].size(), 2u);
  const Reply order = get("/orders/order-1");
  EXPECT_EQ(order.body["lines"][0]["status"], "cancelled");
  EXPECT_EQ(order.body["lines"][1]["status"], "cancelled");
  EXPECT_EQ(order.body["lines"][0]["allocations"], json::array());
  EXPECT_EQ(get("/products/SKU-21").body["batches"][0]["available"], 5);
  EXPECT_EQ(get("/allocations/order-1").status, 404);
  EXPECT_EQ(post("/orders/order-1/cancel", std::string()).body,
            (json{{"released", json::array()}}));
  EXPECT_EQ(get("/orders/order-9").status, 404);
  EXPECT_EQ(post("/orders/order-9/cancel", std::string()).status, 404);
}

TEST_P(Api, AllocatingTheSameLineAgainAnswersTheSameBatch) {
  add_batch("b1", "SKU-4", 10, nullptr);
  EXPECT_EQ(allocate("order-1", "SKU-4", 3).body["batchref"], "b1");
  add_batch("b0", "SKU-4", 10, nullptr);
  EXPECT_EQ(allocate("order-1", "SKU-4", 3).body["batchref"], "b1");
  EXPECT_EQ(get("/products/SKU-4").body["batches"][0]["allocated"], 3);
}

TEST_P(Api, AllocatingTheSameLineWithAnotherQtyIs409NamingWhatTheOrderHasAndChangesNothing) {
  add_batch("b1", "SKU-11", 10, nullptr);
  ASSERT_EQ(allocate("order-1", "SKU-11", 3).status, 202);
  const Reply product = get("/products/SKU-11");
  ASSERT_EQ(product.status, 200);

  const Reply r = allocate("order-1", "SKU-11", 5);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, (json{{"message",
                           "order order-1 already has 3 of SKU-11; allocating it again must ask "
                           "for the same qty"}}));
  // Read only now, so that no answer kept from before the refusal could hide a change.
  EXPECT_EQ(get("/allocations/order-1").body,
            (json::array({{{"sku", "SKU-11"}, {"batchref", "b1"}}})));
  EXPECT_EQ(get("/products/SKU-11").body, product.body);

  EXPECT_EQ(allocate("order-1", "SKU-11", 3).body, (json{{"batchref", "b1"}}));
  EXPECT_EQ(get("/products/SKU-11").body, product.body);
}

TEST_P(Api, ChangingABatchQuantityReallocates) {
  add_batch("wh", "SKU-5", 10, nullptr);
  add_batch("ship", "SKU-5", 10, "2031-05-01");
  ASSERT_EQ(allocate("order-1", "SKU-5", 6).body["batchref"], "wh");
  ASSERT_EQ(allocate("order-2", "SKU-5", 4).body["batchref"], "wh");
  const Reply r = post("/change_batch_quantity", json{{"ref", "wh"}, {"qty", 6}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(get("/allocations/order-2").body,
            (json::array({{{"sku", "SKU-5"}, {"batchref", "ship"}}})));
  EXPECT_EQ(get("/allocations/order-1").body,
            (json::array({{{"sku", "SKU-5"}, {"batchref", "wh"}}})));
}

// The order is read (and so kept in the service's read cache) before each change: the next read
// shows the change all the same.
TEST_P(Api, AReadAfterAChangeShowsIt) {
  add_batch("wh", "SKU-9", 10, nullptr);
  add_batch("ship", "SKU-9", 10, "2031-05-01");
  add_batch("desk", "SKU-10", 10, nullptr);
  ASSERT_EQ(allocate("order-1", "SKU-9", 6).body["batchref"], "wh");
  ASSERT_EQ(get("/allocations/order-1").body,
            (json::array({{{"sku", "SKU-9"}, {"batchref", "wh"}}})));
  ASSERT_EQ(allocate("order-1", "SKU-10", 1).body["batchref"], "desk");
  EXPECT_EQ(get("/allocations/order-1").body,
            (json::array({{{"sku", "SKU-9"}, {"batchref", "wh"}},
                          {{"sku", "SKU-10"}, {"batchref", "desk"}}})));
  ASSERT_EQ(post("/change_batch_quantity", json{{"ref", "wh"}, {"qty", 5}}).status, 200);
  EXPECT_EQ(get("/allocations/order-1").body,
            (json::array({{{"sku", "SKU-10"}, {"batchref", "desk"}},
                          {{"sku", "SKU-9"}, {"batchref", "ship"}}})));
}

TEST_P(Api, ShowsAProductsStockStatesBatchesAndVersion) {
  add_batch("wh", "SKU-6", 10, nullptr);
  add_batch("ship", "SKU-6", 20, "2031-05-01");
  allocate("order-1", "SKU-6", 4);
  const Reply r = get("/products/SKU-6");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, (json{{"sku", "SKU-6"},
                          {"version", 3},
                          {"on_hand", 10},
                          {"incoming", 20},
                          {"allocated", 4},
                          {"reserved", 0},
                          {"available", 26},
                          {"backordered", 0},
                          {"backorders", false},
                          {"low_stock_threshold", nullptr},
                          {"batches",
                           {{{"ref", "wh"},
                             {"eta", nullptr},
                             {"warehouse", "main"},
                             {"expires", nullptr},
                             {"purchased", 10},
                             {"allocated", 4},
                             {"reserved", 0},
                             {"available", 6}},
                            {{"ref", "ship"},
                             {"eta", "2031-05-01"},
                             {"warehouse", "main"},
                             {"expires", nullptr},
                             {"purchased", 20},
                             {"allocated", 0},
                             {"reserved", 0},
                             {"available", 20}}}}}));
  EXPECT_EQ(get("/products/NOPE").status, 404);
}

TEST_P(Api, ListsProductsByPagesInSkuOrderWithTheirStockStates) {
  for (const char* sku : {"lamp", "DESK", "RUG"})
    add_batch(std::string(sku) + "-1", sku, 5, nullptr);
  EXPECT_EQ(patch("/products/RUG", json{{"backorders", true}}).status, 200);
  allocate("o1", "RUG", 7);  // waits
  const Reply first = get("/products?limit=2");
  EXPECT_EQ(first.status, 200);
  ASSERT_EQ(first.body["products"].size(), 2u);
  EXPECT_EQ(first.body["products"][0]["sku"], "DESK");
  const json rug = first.body["products"][1];
  EXPECT_EQ(rug["sku"], "RUG");
  EXPECT_EQ(rug["backordered"], 7);
  EXPECT_EQ(rug["on_hand"], 5);
  EXPECT_FALSE(rug.contains("batches")) << "a page lists products, GET /products/<sku> batches";
  // The same figures as the product's own answer.
  json alone = get("/products/RUG").body;
  alone.erase("batches");
  EXPECT_EQ(rug, alone);
  EXPECT_EQ(first.body["next"], "RUG");
  const Reply last = get("/products?after=RUG&limit=2");
  ASSERT_EQ(last.body["products"].size(), 1u);
  EXPECT_EQ(last.body["products"][0]["sku"], "lamp");
  EXPECT_EQ(last.body["next"], nullptr);
  EXPECT_EQ(get("/products").body["products"].size(), 3u);
}

TEST_P(Api, ShowsABatchWithItsSku) {
  add_batch("ship", "SKU-30", 20, "2031-05-01");
  allocate("o1", "SKU-30", 3);
  const Reply r = get("/batches/ship");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, (json{{"ref", "ship"},
                          {"sku", "SKU-30"},
                          {"eta", "2031-05-01"},
                          {"warehouse", "main"},
                          {"expires", nullptr},
                          {"purchased", 20},
                          {"allocated", 3},
                          {"reserved", 0},
                          {"available", 17}}));
  const Reply unknown = get("/batches/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, (json{{"message", "unknown batch nope"}}));
}

TEST_P(Api, AddingTheSameBatchTwiceIsFineAndOtherDataIsAConflict) {
  add_batch("b1", "SKU-7", 10, "2031-01-01");
  add_batch("b1", "SKU-7", 10, "2031-01-01");
  const Reply conflict = post("/add_batch", json{{"ref", "b1"}, {"sku", "SKU-7"}, {"qty", 11}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_NE(conflict.body["message"].get<std::string>().find("b1"), std::string::npos);
  EXPECT_EQ(get("/products/SKU-7").body["batches"].size(), 1u);
}

TEST_P(Api, HealthMetricsAndOpenApi) {
  EXPECT_EQ(get("/health").body, (json{{"status", "ok"}}));
  EXPECT_EQ(get("/health/live").body, (json{{"status", "ok"}}));
  EXPECT_EQ(get("/health/ready").body,
            (json{{"status", "ready"}, {"checks", {{"database", "ok"}}}}));
  add_batch("b1", "SKU-8", 1, nullptr);
  allocate("o1", "SKU-8", 1);
  allocate("o2", "SKU-8", 1);  // out of stock
  // A request is counted just after its answer is sent: poll briefly rather than race it.
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const std::vector<std::string> expected = {
      "allocation_allocations_total 1",
      "allocation_out_of_stock_total 1",
      "allocation_http_requests_total{route=\"/allocate\",status=\"202\"} 2",
      "allocation_http_request_duration_seconds_count{route=\"/allocate\"} 2",
      "allocation_conflict_retries_total 0",
      "allocation_read_cache_misses_total 0"};
  const auto all_present = [&] {
    return std::all_of(expected.begin(), expected.end(),
                       [&](const auto& line) { return metrics.find(line) != std::string::npos; });
  };
  do {
    auto result = service->client().Get("/metrics");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    metrics = result->body;
  } while (!all_present() && std::chrono::steady_clock::now() < deadline);
  for (const auto& line : expected)
    EXPECT_NE(metrics.find(line), std::string::npos) << line << "\n" << metrics;
  const Reply openapi = get("/openapi.json");
  EXPECT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.body["openapi"], "3.0.3");
  EXPECT_TRUE(openapi.body["paths"].contains("/allocate"));
}

// Every byte but the unreserved ones percent-encoded, as a client library does for a path
// segment.
std::string encode_segment(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return encoded;
}

// Whatever id a POST takes, the GET routes find it again: a '/' in an id arrives as %2F.
TEST_P(Api, EveryIdAPostTakesIsReadableThroughTheGetRoutes) {
  const std::vector<std::string> ids = {"a/b",
                                        "/leading",
                                        "trailing/",
                                        "a b",
                                        "a+b",
                                        "100%",
                                        "%2F",
                                        "caf\xC3\xA9",
                                        "\xE5\x80\x89\xE5\xBA\xAB",
                                        "?x=1#y",
                                        "a;b,c",
                                        "..",
                                        "\xF0\x9F\x93\xA6"};
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    add_batch("batch-" + id, id, 10);
    ASSERT_EQ(allocate(id, id, 1).status, 202);
    const Reply allocations = get("/allocations/" + encode_segment(id));
    EXPECT_EQ(allocations.status, 200) << allocations.text;
    EXPECT_EQ(allocations.body, (json::array({{{"sku", id}, {"batchref", "batch-" + id}}})));
    const Reply product = get("/products/" + encode_segment(id));
    EXPECT_EQ(product.status, 200) << product.text;
    EXPECT_EQ(product.body["sku"], id);
  }
}

// --- Warehouses, expiry dates, click and collect (SPEC §6) ---

TEST_P(Api, WarehousesAreRankedListedAndRankTheBatches) {
  ASSERT_EQ(post("/add_batch", json{{"ref", "main-1"}, {"sku", "SKU-40"}, {"qty", 10}}).status,
            201);
  ASSERT_EQ(post("/add_batch",
                 json{{"ref", "east-1"}, {"sku", "SKU-40"}, {"qty", 10}, {"warehouse", "east"}})
                .status,
            201);
  EXPECT_EQ(get("/warehouses").body,
            (json{{"warehouses",
                   {{{"id", "east"}, {"priority", 100}, {"configured", false}},
                    {{"id", "main"}, {"priority", 100}, {"configured", false}}}}}));
  EXPECT_EQ(allocate("o1", "SKU-40", 1).body["batchref"], "main-1");  // alike: the first added

  const Reply put =
      reply(service->client().Put("/warehouses/east", R"({"priority": 7})", "application/json"));
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.body, (json{{"id", "east"}, {"priority", 7}}));
  EXPECT_EQ(get("/warehouses").body["warehouses"][0],
            (json{{"id", "east"}, {"priority", 7}, {"configured", true}}));
  EXPECT_EQ(allocate("o2", "SKU-40", 1).body["batchref"], "east-1");
  // A warehouse with no batch yet may be ranked too.
  EXPECT_EQ(
      reply(service->client().Put("/warehouses/north", R"({"priority": -1})", "application/json"))
          .status,
      200);
  EXPECT_EQ(get("/warehouses").body["warehouses"].size(), 3u);
  const json batches = get("/products/SKU-40").body["batches"];
  EXPECT_EQ(batches[1]["warehouse"], "east");
  EXPECT_EQ(batches[1]["expires"], nullptr);
}

TEST_P(Api, StockThatExpiredIsNeverAllocatedAndNotAvailable) {
  ASSERT_EQ(post("/add_batch",
                 json{{"ref", "spoiled"}, {"sku", "MILK"}, {"qty", 10}, {"expires", "2001-01-01"}})
                .status,
            201);
  ASSERT_EQ(post("/add_batch", json{{"ref", "fresh"},
                                    {"sku", "MILK"},
                                    {"qty", 10},
                                    {"expires", "2999-12-31"},
                                    {"warehouse", nullptr}})
                .status,
            201);
  EXPECT_EQ(allocate("o1", "MILK", 4).body["batchref"], "fresh");
  EXPECT_EQ(allocate("o2", "MILK", 7).body["batchref"], nullptr);  // the spoiled 10 do not count
  const json milk = get("/products/MILK").body;
  EXPECT_EQ(milk["on_hand"], 20);
  EXPECT_EQ(milk["available"], 6);
  EXPECT_EQ(milk["batches"][0]["expires"], "2001-01-01");
  EXPECT_EQ(milk["batches"][0]["available"], 10);
  EXPECT_EQ(milk["batches"][1]["warehouse"], "main");
}

TEST_P(Api, ClickAndCollectTakesTheNamedWarehousesStockFirst) {
  add_batch("main-1", "SKU-41", 10, nullptr);
  ASSERT_EQ(post("/add_batch",
                 json{{"ref", "store-1"}, {"sku", "SKU-41"}, {"qty", 2}, {"warehouse", "store"}})
                .status,
            201);
  const auto collect = [&](const char* orderid, int qty, const char* warehouse) {
    return post(
        "/allocate",
        json{{"orderid", orderid}, {"sku", "SKU-41"}, {"qty", qty}, {"warehouse", warehouse}});
  };
  EXPECT_EQ(collect("o1", 2, "store").text, R"({"batchref":"store-1"})");
  EXPECT_EQ(collect("o2", 1, "store").body["batchref"], "main-1");  // the store has none left
  EXPECT_EQ(collect("o3", 1, "no-such-store").body["batchref"], "main-1");
  EXPECT_EQ(get("/allocations/o1").body,
            (json::array({{{"sku", "SKU-41"}, {"batchref", "store-1"}}})));
}

TEST_P(Api, ASplitLineListsItsPartsInTheAnswerAllocationsAndOrder) {
  add_batch("s-1", "SKU-42", 5, nullptr);
  add_batch("s-2", "SKU-42", 5, nullptr);
  const json split{{"orderid", "o1"}, {"sku", "SKU-42"}, {"qty", 7}, {"split", true}};
  const char* answer =
      R"({"allocations":[{"batchref":"s-1","qty":5},{"batchref":"s-2","qty":2}],"batchref":"s-1"})";
  EXPECT_EQ(post("/allocate", split).text, answer);
  EXPECT_EQ(post("/allocate", split).text, answer) << "a retry";
  EXPECT_EQ(get("/allocations/o1").body, (json::array({{{"sku", "SKU-42"}, {"batchref", "s-1"}},
                                                       {{"sku", "SKU-42"}, {"batchref", "s-2"}}})));
  EXPECT_EQ(get("/orders/o1").body["lines"],
            (json::array({{{"sku", "SKU-42"},
                           {"qty", 7},
                           {"status", "allocated"},
                           {"allocations", json::array({{{"batchref", "s-1"}, {"qty", 5}},
                                                        {{"batchref", "s-2"}, {"qty", 2}}})}}})));
  // Without split, part one's answer: one batch, or none.
  EXPECT_EQ(post("/allocate", json{{"orderid", "o2"}, {"sku", "SKU-42"}, {"qty", 4}}).text,
            R"({"batchref":null})");
  const Reply not_a_flag =
      post("/allocate", json{{"orderid", "o3"}, {"sku", "SKU-42"}, {"qty", 1}, {"split", 1}});
  EXPECT_EQ(not_a_flag.status, 400);
  EXPECT_EQ(not_a_flag.body["message"], "field 'split' must be true or false");
  EXPECT_EQ(get("/allocations/o3").status, 404);
}

INSTANTIATE_TEST_SUITE_P(Databases, Api, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_test_name);

}  // namespace
}  // namespace allocation::testing
