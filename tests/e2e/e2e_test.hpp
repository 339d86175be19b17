#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "e2e/service_process.hpp"
#include "support/sql_test.hpp"

namespace allocation::testing {

using nlohmann::json;

// A raw TCP connection to 127.0.0.1:`port`, for what an HTTP client library would hide; -1
// when it cannot connect.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
  ::close(fd);
  return -1;
}

struct Reply {
  int status;
  json body;
  std::string text;
};

// An HTTP answer as a Reply: status 0 when none came; a body that is not JSON is discarded
// (body.is_discarded()), its text kept.
inline Reply reply_of(const httplib::Result& result) {
  if (!result) return {0, nullptr, "no answer: " + httplib::to_string(result.error())};
  Reply r{result->status, nullptr, result->body};
  r.body = json::parse(result->body, nullptr, false);
  return r;
}

// What a load of allocations got: the orders answered 202, and how many times each other
// status came back (0: no answer at all).
struct LoadResult {
  std::vector<std::string> attempted;
  std::vector<std::string> acknowledged;
  std::map<int, int> others;
};

// Allocates one unit of `sku` per order from 4 connections until `stop` is set, or until the
// server goes away when `until_gone`.
inline LoadResult allocate_until(const std::atomic<bool>& stop, int port,
                                 const std::string& sku = "LAMP", bool until_gone = true) {
  std::mutex mutex;
  LoadResult result;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(30);
      for (int i = 0; !stop; ++i) {
        const std::string orderid = "t" + std::to_string(t) + "-" + std::to_string(i);
        const json body = {{"orderid", orderid}, {"sku", sku}, {"qty", 1}};
        auto answer = client.Post("/allocate", body.dump(), "application/json");
        if (!answer && until_gone) break;
        std::lock_guard lock(mutex);
        result.attempted.push_back(orderid);
        if (answer && answer->status == 202) {
          result.acknowledged.push_back(orderid);
        } else {
          ++result.others[answer ? answer->status : 0];
          if (!answer) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return result;
}

// allocate_until() on `service` while, after `before`, it is sent `signal`; the load stops
// `grace` after the signal (or as soon as the service is gone), and the service is waited for.
// Returns the load's result and the service's exit code.
inline std::pair<LoadResult, int> load_until_signal(ServiceProcess& service, int signal,
                                                    std::chrono::milliseconds before,
                                                    std::chrono::milliseconds grace = {}) {
  std::atomic<bool> stop = false;
  std::thread signaller([&] {
    std::this_thread::sleep_for(before);
    service.signal(signal);
    std::this_thread::sleep_for(grace);
    stop = true;
  });
  auto load = allocate_until(stop, service.port());
  signaller.join();
  return {std::move(load), service.wait()};
}

// `allocation verify` on the database at `url` finds the ledger accounting for all the stock:
// what every concurrency, crash and many-process test checks at its end.
inline void expect_ledger_verified(const std::string& url) {
  const auto verified = run_allocation({"verify", "--db", url});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_TRUE(verified.out.starts_with("ledger verified: ")) << verified.out;
}

// One running `allocation serve` on a fresh database, for each database.
class EndToEnd : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    SKIP_UNLESS_AVAILABLE(scratch);
    service = std::make_unique<ServiceProcess>(std::vector<std::string>{"--db", scratch.url()});
  }

  Reply post(const std::string& path, const std::string& body) const {
    return reply(service->client().Post(path, body, "application/json"));
  }
  Reply post(const std::string& path, const json& body) const { return post(path, body.dump()); }
  Reply get(const std::string& path) const { return reply(service->client().Get(path)); }
  Reply patch(const std::string& path, const json& body) const {
    return reply(service->client().Patch(path, body.dump(), "application/json"));
  }

  void add_batch(const std::string& ref, const std::string& sku, int qty,
                 json eta = nullptr) const {
    ASSERT_EQ(
        post("/add_batch", json{{"ref", ref}, {"sku", sku}, {"qty", qty}, {"eta", eta}}).status,
        201);
  }
  Reply allocate(const std::string& orderid, const std::string& sku, int qty) const {
    return post("/allocate", json{{"orderid", orderid}, {"sku", sku}, {"qty", qty}});
  }

  static Reply reply(const httplib::Result& result) { return reply_of(result); }

  ScratchDatabase scratch{GetParam()};
  std::unique_ptr<ServiceProcess> service;
};

}  // namespace allocation::testing
