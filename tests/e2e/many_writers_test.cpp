#include <algorithm>
#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

// One command of a client, sent again on a 503 (a product changed by too many writers at once:
// it changed nothing), up to 5 times in all, as the part-two concurrency test of the bus does.
// The answer is the last one; `attempts`, if given, is told how many were sent. A release that
// races another process's reallocation of its line is a lost race like any other, not a 404
// (SqlBus.AReleaseRacingTheReallocationOfItsLineIsALostRaceNotAnUnknownLine).
Reply send_until_not_503(httplib::Client& client, const std::string& path, const json& body,
                         int* attempts = nullptr) {
  const std::string text = body.is_null() ? std::string() : body.dump();
  Reply last = reply_of(client.Post(path, text, "application/json"));
  int attempt = 1;
  for (; attempt < 5; ++attempt) {
    if (last.status != 503) break;
    last = reply_of(client.Post(path, text, "application/json"));
  }
  if (attempts) *attempts = attempt;
  return last;
}

// What a client knows of one line it sent: what its answers said.
struct SentLine {
  std::string sku;
  int qty;
  json batchref;  // the 202's: a batch, or null when backordered
  bool released = false;
};

struct SentOrder {
  std::string orderid;
  std::vector<SentLine> lines;
};

// Part two under contention: backorders on, clients allocating, cancelling orders, releasing
// lines and changing batch quantities, spread over the processes. Afterwards the HTTP API shows
// every acknowledged change and the invariants of SPEC §7.1-§7.2.
TEST_P(ManyWriters, ReleasesQuantityChangesAndBackordersKeepEveryAnswerAndLeaveNoStockIdle) {
  SKIP_UNLESS_AVAILABLE(scratch);
  const int process_count = GetParam() == Backend::postgresql ? 3 : 1;
  std::vector<std::unique_ptr<ServiceProcess>> processes;
  for (int p = 0; p < process_count; ++p) {
    // A reallocation that lost its races is replayed within a second.
    processes.push_back(std::make_unique<ServiceProcess>(
        std::vector<std::string>{"--db", scratch.url(), "--recovery-interval", "1"}));
  }
  const std::vector<std::string> skus = {"LAMP", "DESK", "SOFA"};
  // Per SKU: "-wh" is lowered and raised (its lines are taken off and reallocated), "-ship" only
  // raised and "-late" never changed, so a line acknowledged on either of these stays there.
  std::vector<std::string> changed_batches;
  std::map<std::string, int> purchased;  // by batch: its quantity as last acknowledged
  {
    auto client = processes[0]->client();
    for (const auto& sku : skus) {
      for (const json& batch :
           {json{{"ref", sku + "-wh"}, {"sku", sku}, {"qty", 8}},
            json{{"ref", sku + "-ship"}, {"sku", sku}, {"qty", 6}, {"eta", "2031-01-01"}},
            json{{"ref", sku + "-late"}, {"sku", sku}, {"qty", 4}, {"eta", "2032-01-01"}}}) {
        ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);
        purchased[batch["ref"].get<std::string>()] = batch["qty"].get<int>();
      }
      const json policy = {{"backorders", true}};
      ASSERT_EQ(client.Patch("/products/" + sku, policy.dump(), "application/json")->status, 200);
      changed_batches.push_back(sku + "-wh");
      changed_batches.push_back(sku + "-ship");
    }
  }

  // 9 clients of 60 commands each; client c < 6 alone changes batch changed_batches[c], so its
  // last acknowledged quantity is the batch's at the end.
  // Then, once all are done, each cancels kLastCancels orders: what they free must go to the
  // lines that wait, with no quantity change after them to do it instead.
  constexpr int kClients = 9, kCommands = 60, kLastCancels = 4;
  std::latch everyone_done(kClients);
  std::vector<std::vector<SentOrder>> sent(kClients);
  std::vector<std::map<std::string, int>> changed(kClients);  // by batch: last quantity set
  std::atomic<int> failures = 0, backordered = 0, released_wrong = 0;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::vector<httplib::Client> connections;
      for (const auto& process : processes) {
        connections.push_back(process->client());
        connections.back().set_read_timeout(30);
      }
      auto& orders = sent[c];
      int next_sku = c;
      const auto fail = [&](const std::string& what, const Reply& reply) {
        ++failures;
        ADD_FAILURE() << "client " << c << ": " << what << ": " << reply.status << " "
                      << reply.text;
      };
      const auto check_released = [&](const std::string& what, const Reply& reply, int qty) {
        int units = 0;
        for (const auto& part : reply.body.value("released", json::array()))
          units += part["qty"].get<int>();
        if (units != qty) {
          ++released_wrong;
          ADD_FAILURE() << "client " << c << ": " << what << " released " << reply.text
                        << ", expected " << qty << " units";
        }
      };
      for (int i = 0; i < kCommands + kLastCancels; ++i) {
        if (i == kCommands) everyone_done.arrive_and_wait();
        auto& connection = connections[(c + i) % connections.size()];
        int kind = i < kCommands ? i % 6 : 6;
        if (kind == 5 && c >= static_cast<int>(changed_batches.size())) kind = 1;
        if (kind == 2 || kind == 4 || kind == 6) {
          // A line (2) or the whole order (4) of an order sent a little earlier; at the end (6)
          // the oldest order that holds a line.
          const std::size_t back = kind == 2 ? 2 : 3;
          const auto holds = [](const SentOrder& o) {
            return std::any_of(o.lines.begin(), o.lines.end(),
                               [](const SentLine& l) { return !l.released; });
          };
          if (kind != 6 && orders.size() < back) continue;
          const auto oldest = std::find_if(orders.begin(), orders.end(), holds);
          if (kind == 6 && oldest == orders.end()) continue;
          SentOrder& order = kind == 6 ? *oldest : orders[orders.size() - back];
          auto live = std::find_if(order.lines.begin(), order.lines.end(),
                                   [](const SentLine& l) { return !l.released; });
          if (live == order.lines.end()) continue;
          if (kind == 2) {
            const json body = {{"orderid", order.orderid}, {"sku", live->sku}};
            const Reply reply = send_until_not_503(connection, "/deallocate", body);
            if (reply.status != 200) {
              fail("deallocate " + body.dump(), reply);
              continue;
            }
            check_released("deallocate " + body.dump(), reply, live->qty);
            live->released = true;
          } else {
            int attempts = 0;
            const Reply reply = send_until_not_503(
                connection, "/orders/" + order.orderid + "/cancel", nullptr, &attempts);
            if (reply.status != 200) {
              fail("cancel " + order.orderid, reply);
              continue;
            }
            int qty = 0;
            for (auto& line : order.lines) {
              if (!line.released) qty += line.qty;
              line.released = true;
            }
            // A cancel that failed half-way (a 503 on its second product) and was sent again
            // answers what it released then.
            if (attempts == 1) check_released("cancel " + order.orderid, reply, qty);
          }
        } else if (kind == 5) {
          const std::string& ref = changed_batches[c];
          const int qty = ref.ends_with("-wh")
                              ? 1 + (c * 5 + i * 3) % 12
                              : changed[c].try_emplace(ref, 6).first->second + 1 + i % 2;
          const json body = {{"ref", ref}, {"qty", qty}};
          const Reply reply = send_until_not_503(connection, "/change_batch_quantity", body);
          if (reply.status != 200) {
            fail("change_batch_quantity " + body.dump(), reply);
            continue;
          }
          changed[c][ref] = qty;
        } else {
          // A new order: two lines of two SKUs (0), or one line.
          SentOrder order{"c" + std::to_string(c) + "-" + std::to_string(i), {}};
          for (int l = 0; l < (kind == 0 ? 2 : 1); ++l) {
            const std::string& sku = skus[next_sku++ % skus.size()];
            const int qty = 2 + (c + i + l) % 4;
            const json body = {{"orderid", order.orderid}, {"sku", sku}, {"qty", qty}};
            const Reply reply = send_until_not_503(connection, "/allocate", body);
            if (reply.status != 202) {
              fail("allocate " + body.dump(), reply);
              continue;
            }
            const bool waits = reply.body.value("backordered", false);
            if (waits) ++backordered;
            if (!reply.body["batchref"].is_string() && !waits) {
              fail("allocate " + body.dump() + " neither allocated nor backordered", reply);
            }
            order.lines.push_back({sku, qty, reply.body["batchref"]});
          }
          if (!order.lines.empty()) orders.push_back(std::move(order));
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failures, 0) << "commands that failed 5 times or otherwise";
  EXPECT_EQ(released_wrong, 0) << "a release answered other units than the line's";
  EXPECT_GT(backordered, 0) << "the load never made a line wait: it tests too little";
  for (const auto& batches : changed) {
    for (const auto& [ref, qty] : batches) purchased[ref] = qty;
  }

  auto client = processes.back()->client();
  const auto order_view = [&](const std::string& orderid) {
    auto result = client.Get("/orders/" + orderid);
    return result && result->status == 200 ? json::parse(result->body) : json();
  };
  // A line a quantity change took off shows allocated with no batch until its reallocation
  // commits: each command ran its own before answering, or, if it lost its races, the
  // recovery replays it within a second.
  const auto taken_off = [&] {
    for (const auto& orders : sent) {
      for (const auto& order : orders) {
        const json view = order_view(order.orderid);
        if (!view.is_object()) continue;
        for (const auto& line : view["lines"]) {
          if (line["status"] == "allocated" && line["allocations"].empty()) return true;
        }
      }
    }
    return false;
  };
  for (int i = 0; i < 50 && taken_off(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  std::map<std::string, int> allocated_units;       // by batch: the units of the lines on it
  std::map<std::string, std::vector<int>> waiting;  // by SKU: the quantities of waiting lines
  for (const auto& orders : sent) {
    for (const auto& order : orders) {
      const json view = order_view(order.orderid);
      ASSERT_TRUE(view.is_object()) << "order " << order.orderid << " was lost";
      ASSERT_EQ(view["lines"].size(), order.lines.size()) << view;
      for (const auto& line : order.lines) {
        auto shown = std::find_if(view["lines"].begin(), view["lines"].end(),
                                  [&](const json& l) { return l["sku"] == line.sku; });
        ASSERT_NE(shown, view["lines"].end()) << line.sku << " missing from " << view;
        const json& l = *shown;
        EXPECT_EQ(l["qty"], line.qty) << view;
        int units = 0;
        for (const auto& part : l["allocations"]) {
          units += part["qty"].get<int>();
          allocated_units[part["batchref"].get<std::string>()] += part["qty"].get<int>();
        }
        if (line.released) {
          EXPECT_EQ(l["status"], "cancelled") << "a released line: " << view;
          EXPECT_EQ(units, 0) << view;
          continue;
        }
        if (l["status"] == "backordered") {
          EXPECT_EQ(units, 0) << "a line both waiting and allocated: " << view;
          waiting[line.sku].push_back(line.qty);
        } else {
          EXPECT_EQ(l["status"], "allocated") << "an acknowledged line never released: " << view;
          EXPECT_EQ(l["allocations"].size(), 1u) << "one line, one batch: " << view;
          EXPECT_EQ(units, line.qty) << view;
        }
        // Only "-wh" batches are lowered: a line acknowledged elsewhere stays where it went.
        if (line.batchref.is_string() && !line.batchref.get<std::string>().ends_with("-wh")) {
          EXPECT_EQ(l["allocations"],
                    (json::array({{{"batchref", line.batchref}, {"qty", line.qty}}})))
              << order.orderid << " left the batch it was acknowledged on: " << view;
        }
      }
    }
  }
  for (const auto& sku : skus) {
    const json product = json::parse(client.Get("/products/" + sku)->body);
    int room = 0;
    for (const auto& batch : product["batches"]) {
      const std::string ref = batch["ref"];
      const int allocated = batch["allocated"];
      EXPECT_LE(allocated, batch["purchased"].get<int>()) << ref << " over-committed";
      EXPECT_EQ(batch["purchased"], purchased[ref]) << ref << ": the last quantity acknowledged";
      EXPECT_EQ(allocated, allocated_units[ref]) << ref << ": a line counted twice or lost";
      EXPECT_EQ(batch["available"], batch["purchased"].get<int>() - allocated) << ref;
      room = std::max(room, batch["available"].get<int>());
    }
    for (const int qty : waiting[sku]) {
      EXPECT_GT(qty, room) << "a line of " << qty << " " << sku << " waits while a batch has "
                           << room << " free";
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
