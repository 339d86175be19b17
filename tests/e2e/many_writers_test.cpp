#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

// Several `serve` processes on one database (3 on PostgreSQL; SQLite is one process's
// embedded store, so 1 there), each under concurrent load with demand far above stock.
class ManyWriters : public ::testing::TestWithParam<Backend> {
 protected:
  ScratchDatabase scratch{GetParam()};
};

struct Answer {
  std::string sku;
  int qty;
  json batchref;  // null: out of stock
};

TEST_P(ManyWriters, NeverOverAllocateLoseNothingAndLeaveNoStockIdle) {
  SKIP_UNLESS_AVAILABLE(scratch);
  const int process_count = GetParam() == Backend::postgresql ? 3 : 1;
  std::vector<std::unique_ptr<ServiceProcess>> processes;
  for (int p = 0; p < process_count; ++p) {
    processes.push_back(
        std::make_unique<ServiceProcess>(std::vector<std::string>{"--db", scratch.url()}));
  }
  const std::vector<std::string> skus = {"LAMP", "DESK", "SOFA", "RUG"};
  {
    auto client = processes[0]->client();
    for (const auto& sku : skus) {
      for (const json& batch :
           {json{{"ref", sku + "-wh"}, {"sku", sku}, {"qty", 20}},
            json{{"ref", sku + "-ship"}, {"sku", sku}, {"qty", 20}, {"eta", "2031-01-01"}}}) {
        ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);
      }
    }
  }

  // 12 connections, 30 orders each, 1..3 units: about 720 units asked of 160. Each order is
  // sent twice, to two processes, as a client retrying after a timeout would.
  constexpr int kClients = 12, kOrders = 30;
  std::mutex mutex;
  std::map<std::string, Answer> answers;
  std::atomic<int> failures = 0, disagreements = 0;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto first = processes[c % process_count]->client();
      auto second = processes[(c + 1) % process_count]->client();
      for (int i = 0; i < kOrders; ++i) {
        const std::string orderid = "c" + std::to_string(c) + "-" + std::to_string(i);
        const std::string sku = skus[(c + i) % skus.size()];
        const int qty = 1 + (c * 7 + i) % 3;
        const std::string line = json{{"orderid", orderid}, {"sku", sku}, {"qty", qty}}.dump();
        json batchrefs[2];
        int index = 0;
        for (auto* client : {&first, &second}) {
          auto result = client->Post("/allocate", line, "application/json");
          if (!result || result->status != 202) {
            ++failures;
            continue;
          }
          batchrefs[index++] = json::parse(result->body)["batchref"];
        }
        if (index == 2 && batchrefs[0] != batchrefs[1]) ++disagreements;
        std::lock_guard lock(mutex);
        answers[orderid] = {sku, qty, batchrefs[0]};
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failures, 0) << "a conflict between writers reached a client";
  EXPECT_EQ(disagreements, 0) << "a line sent twice went to two batches";

  auto client = processes.back()->client();
  std::map<std::string, int> acknowledged_units;  // by batch
  std::map<std::string, int> smallest_refused;    // by SKU: qty of an out-of-stock answer
  for (const auto& [orderid, answer] : answers) {
    const auto rows = json::parse(client.Get("/allocations/" + orderid)->body, nullptr, false);
    if (answer.batchref.is_null()) {
      auto& smallest = smallest_refused.try_emplace(answer.sku, answer.qty).first->second;
      smallest = std::min(smallest, answer.qty);
      EXPECT_FALSE(rows.is_array()) << orderid << " was refused but is allocated: " << rows;
      continue;
    }
    acknowledged_units[answer.batchref.get<std::string>()] += answer.qty;
    EXPECT_EQ(rows, (json::array({{{"sku", answer.sku}, {"batchref", answer.batchref}}})))
        << "the read model lost or changed " << orderid;
  }
  for (const auto& sku : skus) {
    const json product = json::parse(client.Get("/products/" + sku)->body);
    for (const auto& batch : product["batches"]) {
      const std::string ref = batch["ref"];
      EXPECT_LE(batch["allocated"].get<int>(), batch["purchased"].get<int>()) << ref;
      EXPECT_EQ(batch["allocated"].get<int>(), acknowledged_units[ref])
          << ref << ": what is allocated is exactly what was acknowledged";
      // A refusal is right only if no batch could hold that quantity; availability only
      // shrinks, so that still holds at the end.
      if (auto refused = smallest_refused.find(sku); refused != smallest_refused.end()) {
        EXPECT_LT(batch["available"].get<int>(), refused->second)
            << ref << " had room for an order refused as out of stock";
      }
    }
  }
  expect_ledger_verified(scratch.url());
}

// A serving process keeps an order's answer in memory for --read-cache-ttl: another process's
// change (here the command line's) shows there once the answer is that old, not before.
TEST_P(ManyWriters, AnotherProcesssChangeReachesAReadCacheWithinItsTtl) {
  SKIP_UNLESS_AVAILABLE(scratch);
  using namespace std::chrono_literals;
  constexpr auto kTtl = 1500ms;
  ServiceProcess service({"--db", scratch.url(), "--read-cache-ttl", "1500"});
  auto client = service.client();
  for (const json& batch :
       {json{{"ref", "wh"}, {"sku", "LAMP"}, {"qty", 10}},
        json{{"ref", "ship"}, {"sku", "LAMP"}, {"qty", 10}, {"eta", "2031-01-01"}}}) {
    ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);
  }
  const std::string line = json{{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 6}}.dump();
  ASSERT_EQ(client.Post("/allocate", line, "application/json")->status, 202);
  const auto read = [&] {
    return json::parse(client.Get("/allocations/o1")->body, nullptr, false);
  };
  const json in_wh = json::array({{{"sku", "LAMP"}, {"batchref", "wh"}}});
  const json in_ship = json::array({{{"sku", "LAMP"}, {"batchref", "ship"}}});

  const auto kept_at = std::chrono::steady_clock::now();
  ASSERT_EQ(read(), in_wh);
  const auto other =
      run_allocation({"change-batch-quantity", "--ref", "wh", "--qty", "0", "--db", scratch.url()});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  // The change is due here once it is committed and the kept answer is as old as the TTL.
  const auto due = std::max(std::chrono::steady_clock::now(), kept_at + kTtl);
  json seen = read();
  if (std::chrono::steady_clock::now() - kept_at < kTtl - 500ms) {
    EXPECT_EQ(seen, in_wh) << "the answer kept in memory is served until it is as old as the TTL";
  }
  while (seen != in_ship && std::chrono::steady_clock::now() < due + 5s) {
    std::this_thread::sleep_for(20ms);
    seen = read();
  }
  EXPECT_EQ(seen, in_ship);
  EXPECT_LT(std::chrono::steady_clock::now(), due + 1s)
      << "the change took longer than the TTL to show";
}

INSTANTIATE_FOR_BOTH_DATABASES(ManyWriters);

}  // namespace
}  // namespace allocation::testing
