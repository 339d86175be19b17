#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "e2e/service_process.hpp"
#include "support/sql_test.hpp"

namespace allocation::testing {

using nlohmann::json;

struct Reply {
  int status;
  json body;
  std::string text;
};

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

  void add_batch(const std::string& ref, const std::string& sku, int qty,
                 json eta = nullptr) const {
    ASSERT_EQ(
        post("/add_batch", json{{"ref", ref}, {"sku", sku}, {"qty", qty}, {"eta", eta}}).status,
        201);
  }
  Reply allocate(const std::string& orderid, const std::string& sku, int qty) const {
    return post("/allocate", json{{"orderid", orderid}, {"sku", sku}, {"qty", qty}});
  }

  static Reply reply(const httplib::Result& result) {
    if (!result) return {0, nullptr, "no answer: " + httplib::to_string(result.error())};
    Reply r{result->status, nullptr, result->body};
    r.body = json::parse(result->body, nullptr, false);
    return r;
  }

  ScratchDatabase scratch{GetParam()};
  std::unique_ptr<ServiceProcess> service;
};

}  // namespace allocation::testing
