#include "allocation/adapters/logging/stock_change_log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "allocation/adapters/logging/log_fields.hpp"
#include "allocation/adapters/logging/log_format.hpp"
#include "allocation/service_layer/event_kinds.hpp"

namespace allocation::adapters::logging {
namespace {

using namespace domain::events;
using nlohmann::json;

// The process's log, in JSON to a string while the test runs; the logger before it after.
class StockChangeLog : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    sink->set_formatter(log_formatter(LogFormat::json));
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", std::move(sink)));
    spdlog::set_level(spdlog::level::info);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  std::vector<json> lines() const {
    std::vector<json> parsed;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) parsed.push_back(json::parse(line));
    return parsed;
  }

  // The one line `event` was logged as.
  json line_of(const domain::Event& event) {
    out_.str("");
    log_stock_change(event);
    const auto logged = lines();
    EXPECT_EQ(logged.size(), 1u) << out_.str();
    return logged.empty() ? json() : logged.front();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(StockChangeLog, NamesTheOrderSkuAndBatchOfAnAllocation) {
  const json line = line_of(Allocated{"o1", "LAMP", 3, "b1"});
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["message"], "allocated order o1: 3 x LAMP from batch b1");
  EXPECT_EQ(line["event"], "allocated");
  EXPECT_EQ(line["orderid"], "o1");
  EXPECT_EQ(line["sku"], "LAMP");
  EXPECT_EQ(line["batchref"], "b1");
  EXPECT_EQ(line["qty"], 3);
}

TEST_F(StockChangeLog, SaysWhereAReleasedLineWas) {
  EXPECT_EQ(line_of(Released{"o1", "LAMP", 3, "b1"})["message"],
            "released order o1: 3 x LAMP from batch b1");
  const json waiting = line_of(Released{"o2", "LAMP", 2, std::nullopt});
  EXPECT_EQ(waiting["message"], "released order o2: 2 x LAMP from the backorder queue");
  EXPECT_FALSE(waiting.contains("batchref"));
}

TEST_F(StockChangeLog, SaysALineTakenOffItsBatchIsReallocated) {
  const json line = line_of(Deallocated{"o1", "LAMP", 3, "b1"});
  EXPECT_EQ(line["event"], "deallocated");
  EXPECT_NE(line["message"].get<std::string>().find("reallocating"), std::string::npos);
}

TEST_F(StockChangeLog, NamesTheHoldOfAReservation) {
  const json held = line_of(Reserved{"r-1", "LAMP", 2, "b1", domain::Instant{}});
  EXPECT_EQ(held["event"], "reserved");
  EXPECT_EQ(held["reservation"], "r-1");
  EXPECT_EQ(held["message"].get<std::string>().rfind("held 2 x LAMP in batch b1 for reservation "
                                                     "r-1 until 1970-01-01T00:00:00",
                                                     0),
            0u)
      << held;
  EXPECT_EQ(line_of(ReservationExpired{"r-1", "LAMP", 2, "b1"})["message"],
            "expired reservation r-1: 2 x LAMP in batch b1 free again");
  EXPECT_EQ(line_of(ReservationConsumed{"r-1", "LAMP", 2, "b1", "o1"})["orderid"], "o1");
}

TEST_F(StockChangeLog, WritesOneLineForEveryKindOfEvent) {
  const auto logs_its_kind = [&](const auto& event) {
    EXPECT_EQ(line_of(event)["event"], service_layer::kEventKinds(event));
  };
  [&]<class... Es>(std::type_identity<std::variant<Es...>>) {
    (logs_its_kind(Es{}), ...);
  }(std::type_identity<domain::Event>{});
}

TEST_F(StockChangeLog, CarriesTheRequestIdOfTheThread) {
  const ScopedLogContext context("request_id", "req-7");
  EXPECT_EQ(line_of(Allocated{"o1", "LAMP", 3, "b1"})["request_id"], "req-7");
}

TEST_F(StockChangeLog, WritesNothingBelowInfo) {
  spdlog::set_level(spdlog::level::warn);
  log_stock_change(Allocated{"o1", "LAMP", 3, "b1"});
  EXPECT_TRUE(lines().empty());
}

TEST_F(StockChangeLog, LeavesNoFieldsOnTheThreadAfterwards) {
  log_stock_change(Allocated{"o1", "LAMP", 3, "b1"});
  EXPECT_TRUE(log_fields().empty());
}

}  // namespace
}  // namespace allocation::adapters::logging
