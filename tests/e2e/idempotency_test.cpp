// Idempotency-Key on every request that changes something (SPEC §8), against the real binary.
#include <signal.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

// An answer with the headers that tell a replay.
struct KeyedReply {
  int status = 0;
  std::string body;
  bool replayed = false;
};

KeyedReply keyed_reply(const httplib::Result& result) {
  if (!result) return {};
  return {result->status, result->body, result->get_header_value("Idempotent-Replayed") == "true"};
}

KeyedReply send_keyed(const ServiceProcess& service, const std::string& method,
                      const std::string& path, const std::string& key,
                      const std::string& body = "") {
  auto client = service.client();
  client.set_read_timeout(30);
  const httplib::Headers headers = {{"Idempotency-Key", key}};
  if (method == "DELETE") return keyed_reply(client.Delete(path, headers));
  if (method == "PATCH") return keyed_reply(client.Patch(path, headers, body, "application/json"));
  if (method == "PUT") return keyed_reply(client.Put(path, headers, body, "application/json"));
  return keyed_reply(client.Post(path, headers, body, "application/json"));
}

std::string allocation_body(const std::string& orderid, int qty = 1) {
  return json{{"orderid", orderid}, {"sku", "LAMP"}, {"qty", qty}}.dump();
}

class Idempotency : public EndToEnd {
 protected:
  KeyedReply keyed(const std::string& method, const std::string& path, const std::string& key,
                   const std::string& body = "") const {
    return send_keyed(*service, method, path, key, body);
  }
  long long allocated(const std::string& sku = "LAMP") const {
    return get("/products/" + sku).body.value("allocated", -1LL);
  }
  long long movements(const std::string& sku = "LAMP") const {
    return static_cast<long long>(
        get("/products/" + sku + "/movements?limit=1000").body["movements"].size());
  }
};

TEST_P(Idempotency, ARetryGetsTheFirstAnswerAgainAndTheWorkIsDoneOnce) {
  add_batch("b1", "LAMP", 10);
  const auto first = keyed("POST", "/allocate", "k-1", allocation_body("o1", 3));
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_FALSE(first.replayed);
  const long long movements_after_first = movements();

  const auto retry = keyed("POST", "/allocate", "k-1", allocation_body("o1", 3));
  EXPECT_EQ(retry.status, 202);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(allocated(), 3);
  EXPECT_EQ(movements(), movements_after_first);
}

TEST_P(Idempotency, EveryMethodThatChangesSomethingIsAnsweredOnce) {
  const auto batch =
      keyed("POST", "/add_batch", "add", json{{"ref", "b1"}, {"sku", "LAMP"}, {"qty", 10}}.dump());
  ASSERT_EQ(batch.status, 201);
  const auto hold = keyed("POST", "/reservations", "hold",
                          json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 2}, {"ttl_s", 600}}.dump());
  ASSERT_EQ(hold.status, 201) << hold.body;
  const auto policy =
      keyed("PATCH", "/products/LAMP", "policy", json{{"low_stock_threshold", 1}}.dump());
  ASSERT_EQ(policy.status, 200) << policy.body;
  const auto priority = keyed("PUT", "/warehouses/main", "priority", json{{"priority", 3}}.dump());
  ASSERT_EQ(priority.status, 200) << priority.body;
  ASSERT_EQ(allocate("o1", "LAMP", 1).status, 202);
  const auto cancel = keyed("POST", "/orders/o1/cancel", "cancel");
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  const auto release = keyed("DELETE", "/reservations/h1", "release");
  ASSERT_EQ(release.status, 204) << release.body;
  const long long movements_before = movements();

  // Each again, as a client retries when the answer was lost: the first answer, byte for byte,
  // though the work done again would answer otherwise (the hold is gone, the order cancelled).
  const std::vector<std::pair<KeyedReply, KeyedReply>> pairs = {
      {batch, keyed("POST", "/add_batch", "add",
                    json{{"ref", "b1"}, {"sku", "LAMP"}, {"qty", 10}}.dump())},
      {hold, keyed("POST", "/reservations", "hold",
                   json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 2}, {"ttl_s", 600}}.dump())},
      {policy, keyed("PATCH", "/products/LAMP", "policy", json{{"low_stock_threshold", 1}}.dump())},
      {priority, keyed("PUT", "/warehouses/main", "priority", json{{"priority", 3}}.dump())},
      {cancel, keyed("POST", "/orders/o1/cancel", "cancel")},
      {release, keyed("DELETE", "/reservations/h1", "release")},
  };
  for (const auto& [first, again] : pairs) {
    EXPECT_EQ(again.status, first.status) << first.body;
    EXPECT_EQ(again.body, first.body);
    EXPECT_TRUE(again.replayed) << first.body;
  }
  EXPECT_EQ(movements(), movements_before);
  EXPECT_EQ(get("/reservations/h1").status, 404);
}

TEST_P(Idempotency, TheSameKeyWithAnotherBodyOrPathIs422AndChangesNothing) {
  add_batch("b1", "LAMP", 10);
  ASSERT_EQ(keyed("POST", "/allocate", "k-1", allocation_body("o1", 3)).status, 202);

  for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
           {"/allocate", allocation_body("o1", 4)},
           {"/allocate", allocation_body("o2", 3)},
           {"/deallocate", json{{"orderid", "o1"}, {"sku", "LAMP"}}.dump()}}) {
    const auto other = keyed("POST", path, "k-1", body);
    EXPECT_EQ(other.status, 422) << body;
    EXPECT_EQ(json::parse(other.body).value("message", ""),
              "Idempotency-Key k-1 was used for another request (method, path or body) within "
              "24 h");
  }
  EXPECT_EQ(allocated(), 3);
  EXPECT_EQ(get("/orders/o2").status, 404);
}

TEST_P(Idempotency, AnAnswerThatChangedNothingIsRecordedToo) {
  add_batch("b1", "LAMP", 10);
  const std::string hold = json{{"id", "h1"}, {"sku", "LAMP"}, {"qty", 2}, {"ttl_s", 600}}.dump();
  ASSERT_EQ(post("/reservations", hold).status, 201);
  // The same hold asked for again under a key: 200, and nothing changed but the key's answer.
  const auto same = keyed("POST", "/reservations", "k-same", hold);
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_FALSE(same.replayed);
  const long long movements_before = movements();

  const auto other = keyed("POST", "/reservations", "k-same",
                           json{{"id", "h2"}, {"sku", "LAMP"}, {"qty", 3}, {"ttl_s", 600}}.dump());
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(get("/reservations/h2").status, 404);
  ASSERT_EQ(keyed("DELETE", "/reservations/h1", "k-release").status, 204);
  // Released since, the hold would now answer 409: the retry gets the first answer.
  const auto retry = keyed("POST", "/reservations", "k-same", hold);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body, same.body);
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(movements(), movements_before + 1);  // the release's alone
}

TEST_P(Idempotency, AKeyThatIsTooLongOrNotPrintableAsciiIs400AndChangesNothing) {
  add_batch("b1", "LAMP", 10);
  for (const std::string& key :
       {std::string(256, 'k'), std::string("caf\xc3\xa9"), std::string("tab\there")}) {
    const auto refused = keyed("POST", "/allocate", key, allocation_body("o1"));
    EXPECT_EQ(refused.status, 400) << key;
    EXPECT_EQ(json::parse(refused.body, nullptr, false).value("message", ""),
              "Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  EXPECT_EQ(allocated(), 0);
  // An empty field is dropped by the HTTP library as it reads the head: the request is one
  // without a key (README).
  const int fd = connect_loopback(service->port());
  ASSERT_GE(fd, 0);
  const std::string body = allocation_body("o1");
  const std::string request =
      "POST /allocate HTTP/1.1\r\nHost: x\r\nIdempotency-Key:\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string answer(4096, '\0');
  const auto got = ::recv(fd, answer.data(), answer.size(), MSG_WAITALL);
  ::close(fd);
  ASSERT_GT(got, 0);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 202")) << answer.substr(0, 200);
  EXPECT_EQ(answer.find("Idempotent-Replayed"), std::string::npos);
  EXPECT_EQ(allocated(), 1);

  // The longest key, and a GET's key (nothing to repeat there), are fine.
  EXPECT_EQ(keyed("POST", "/allocate", std::string(255, 'k'), allocation_body("o2")).status, 202);
  auto client = service->client();
  EXPECT_EQ(client.Get("/products/LAMP", {{"Idempotency-Key", std::string(300, 'k')}})->status,
            200);
}

TEST_P(Idempotency, ARefusedRequestRecordsNothingAndItsRetryIsJudgedAgain) {
  const auto refused = keyed("POST", "/allocate", "k-1", allocation_body("o1"));
  EXPECT_EQ(refused.status, 400) << refused.body;  // no such SKU yet
  add_batch("b1", "LAMP", 10);
  const auto retried = keyed("POST", "/allocate", "k-1", allocation_body("o1"));
  EXPECT_EQ(retried.status, 202) << retried.body;
  EXPECT_FALSE(retried.replayed);
  EXPECT_EQ(allocated(), 1);
}

TEST_P(Idempotency, ConcurrentRequestsWithOneKeyDoTheWorkOnceAndGetOneAnswer) {
  add_batch("b1", "LAMP", 1000);
  constexpr int kKeys = 10, kCopies = 4;
  std::vector<std::vector<KeyedReply>> replies(kKeys, std::vector<KeyedReply>(kCopies));
  std::vector<std::thread> clients;
  for (int copy = 0; copy < kCopies; ++copy) {
    clients.emplace_back([&, copy] {
      for (int k = 0; k < kKeys; ++k) {
        replies[k][copy] = send_keyed(*service, "POST", "/allocate", "key-" + std::to_string(k),
                                      allocation_body("o" + std::to_string(k), 2));
      }
    });
  }
  for (auto& client : clients) client.join();
  for (int k = 0; k < kKeys; ++k) {
    int done = 0;
    for (const auto& reply : replies[k]) {
      EXPECT_EQ(reply.status, 202) << reply.body;
      EXPECT_EQ(reply.body, replies[k][0].body);
      done += reply.replayed ? 0 : 1;
    }
    EXPECT_EQ(done, 1) << "key-" << k;
  }
  EXPECT_EQ(allocated(), 2 * kKeys);
  service.reset();
  expect_ledger_verified(scratch.url());
}

TEST_P(Idempotency, ARetryAfterAKillMinus9GetsTheAnswerRecordedWithTheWork) {
  add_batch("b1", "LAMP", 10);
  service.reset();
  // Killed once the work and its answer are committed, before the answer is sent: the client
  // saw nothing and retries.
  ServiceProcess dying({"--db", scratch.url()}, ServiceProcess::Subcommand::serve,
                       {"ALLOCATION_CRASH_AT=keyed_request_done"});
  const auto lost = send_keyed(dying, "POST", "/allocate", "k-1", allocation_body("o1", 3));
  EXPECT_EQ(lost.status, 0);
  EXPECT_EQ(dying.wait(), 128 + SIGKILL);

  service = std::make_unique<ServiceProcess>(std::vector<std::string>{"--db", scratch.url()});
  const auto retried = keyed("POST", "/allocate", "k-1", allocation_body("o1", 3));
  EXPECT_EQ(retried.status, 202) << retried.body;
  EXPECT_TRUE(retried.replayed);
  EXPECT_EQ(json::parse(retried.body)["batchref"], "b1");
  EXPECT_EQ(allocated(), 3);
  service.reset();
  expect_ledger_verified(scratch.url());
}

INSTANTIATE_TEST_SUITE_P(Databases, Idempotency,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_test_name);

// Two processes on one PostgreSQL database, each sent one copy of every request at once.
TEST(IdempotencyAcrossProcesses, TwoProcessesOnPostgresqlAnswerEachKeyOnce) {
  ScratchDatabase scratch(Backend::postgresql);
  SKIP_UNLESS_AVAILABLE(scratch);
  ServiceProcess first({"--db", scratch.url()});
  ServiceProcess second({"--db", scratch.url()});
  ASSERT_EQ(first.client()
                .Post("/add_batch", json{{"ref", "b1"}, {"sku", "LAMP"}, {"qty", 1000}}.dump(),
                      "application/json")
                ->status,
            201);
  constexpr int kKeys = 30;
  std::vector<KeyedReply> from_first(kKeys), from_second(kKeys);
  std::thread to_first([&] {
    for (int k = 0; k < kKeys; ++k) {
      from_first[k] = send_keyed(first, "POST", "/allocate", "key-" + std::to_string(k),
                                 allocation_body("o" + std::to_string(k)));
    }
  });
  std::thread to_second([&] {
    for (int k = 0; k < kKeys; ++k) {
      from_second[k] = send_keyed(second, "POST", "/allocate", "key-" + std::to_string(k),
                                  allocation_body("o" + std::to_string(k)));
    }
  });
  to_first.join();
  to_second.join();
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(from_first[k].status, 202) << from_first[k].body;
    EXPECT_EQ(from_second[k].status, 202) << from_second[k].body;
    EXPECT_EQ(from_first[k].body, from_second[k].body);
    EXPECT_NE(from_first[k].replayed, from_second[k].replayed) << "key-" << k;
  }
  const auto product = json::parse(first.client().Get("/products/LAMP")->body);
  EXPECT_EQ(product["allocated"], kKeys);
  first.signal(SIGTERM);
  second.signal(SIGTERM);
  EXPECT_EQ(first.wait(), 0);
  EXPECT_EQ(second.wait(), 0);
  expect_ledger_verified(scratch.url());
}

}  // namespace
}  // namespace allocation::testing
