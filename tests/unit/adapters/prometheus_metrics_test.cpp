#include "allocation/adapters/prometheus_metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "allocation/service_layer/event_kinds.hpp"

namespace allocation::adapters {
namespace {

// The value of `series` (its name and labels, as rendered) in `text`; nullopt when absent.
std::optional<std::string> value_of(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return line.substr(series.size() + 1);
  }
  return std::nullopt;
}

bool has_line(const std::string& text, const std::string& expected) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line == expected) return true;
  }
  return false;
}

std::string bucket(const std::string& route, const std::string& le) {
  return "allocation_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le +
         "\"}";
}

TEST(PrometheusMetrics, CountersStartAtZeroWithTheirHelpAndType) {
  const std::string text = PrometheusMetrics().render();
  for (const char* name :
       {"allocation_allocations_total", "allocation_out_of_stock_total",
        "allocation_conflict_retries_total", "allocation_event_handler_failures_total",
        "allocation_notification_failures_total"}) {
    EXPECT_TRUE(has_line(text, std::string("# TYPE ") + name + " counter")) << name;
    EXPECT_NE(text.find(std::string("# HELP ") + name + " "), std::string::npos) << name;
    EXPECT_EQ(value_of(text, name), "0") << name;
  }
}

TEST(PrometheusMetrics, EachCounterCountsItsOwnEvents) {
  PrometheusMetrics metrics;
  metrics.count_allocation();
  metrics.count_allocation();
  metrics.count_allocation();
  metrics.count_out_of_stock();
  metrics.count_conflict_retry();
  metrics.count_conflict_retry();
  const std::string text = metrics.render();
  EXPECT_EQ(value_of(text, "allocation_allocations_total"), "3");
  EXPECT_EQ(value_of(text, "allocation_out_of_stock_total"), "1");
  EXPECT_EQ(value_of(text, "allocation_conflict_retries_total"), "2");
  EXPECT_EQ(value_of(text, "allocation_event_handler_failures_total"), "0");
}

TEST(PrometheusMetrics, RequestsAreCountedByRouteAndStatus) {
  PrometheusMetrics metrics;
  metrics.count_request("/allocate", 202, 0.001);
  metrics.count_request("/allocate", 202, 0.001);
  metrics.count_request("/allocate", 400, 0.001);
  metrics.count_request("/allocations/{orderid}", 200, 0.001);
  const std::string text = metrics.render();
  EXPECT_TRUE(has_line(text, "# TYPE allocation_http_requests_total counter"));
  EXPECT_EQ(value_of(text, R"(allocation_http_requests_total{route="/allocate",status="202"})"),
            "2");
  EXPECT_EQ(value_of(text, R"(allocation_http_requests_total{route="/allocate",status="400"})"),
            "1");
  EXPECT_EQ(value_of(text, R"(allocation_http_requests_total{route="/allocations/{orderid}",)"
                           R"(status="200"})"),
            "1");
  EXPECT_EQ(value_of(text, R"(allocation_http_requests_total{route="/allocate",status="200"})"),
            std::nullopt);
}

TEST(PrometheusMetrics, HistogramBucketsAreCumulativeAndInclusiveOfTheirBound) {
  PrometheusMetrics metrics;
  metrics.count_request("/allocate", 202, 0.0003);  // first bucket
  metrics.count_request("/allocate", 202, 0.005);   // exactly a bound: in its bucket
  metrics.count_request("/allocate", 202, 0.2);
  metrics.count_request("/allocate", 202, 3.0);  // above the last bound: +Inf only
  const std::string text = metrics.render();
  EXPECT_TRUE(has_line(text, "# TYPE allocation_http_request_duration_seconds histogram"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"0.0005", "1"}, {"0.001", "1"}, {"0.0025", "1"}, {"0.005", "2"}, {"0.01", "2"},
      {"0.025", "2"},  {"0.05", "2"},  {"0.1", "2"},    {"0.25", "3"},  {"0.5", "3"},
      {"1", "3"},      {"2.5", "3"},   {"+Inf", "4"}};
  for (const auto& [le, count] : expected) {
    EXPECT_EQ(value_of(text, bucket("/allocate", le)), count) << "le=" << le;
  }
  EXPECT_EQ(value_of(text, R"(allocation_http_request_duration_seconds_count{route="/allocate"})"),
            "4");
  const auto sum =
      value_of(text, R"(allocation_http_request_duration_seconds_sum{route="/allocate"})");
  ASSERT_TRUE(sum);
  EXPECT_DOUBLE_EQ(std::stod(*sum), 0.0003 + 0.005 + 0.2 + 3.0);
}

TEST(PrometheusMetrics, EachRouteHasAHistogramOfItsOwn) {
  PrometheusMetrics metrics;
  metrics.count_request("/allocate", 202, 0.002);
  metrics.count_request("/allocate", 409, 0.002);
  metrics.count_request("unmatched", 404, 0.0001);
  const std::string text = metrics.render();
  EXPECT_EQ(value_of(text, bucket("/allocate", "0.001")), "0");
  EXPECT_EQ(value_of(text, bucket("/allocate", "0.0025")), "2");
  EXPECT_EQ(value_of(text, bucket("unmatched", "0.0005")), "1");
  EXPECT_EQ(value_of(text, bucket("unmatched", "+Inf")), "1");
}

TEST(PrometheusMetrics, RouteLabelsAreTheRouteTemplatesAsTheyAre) {
  // The routes counted are the router's templates (and "unmatched"): never a request's own
  // path, so nothing a client sends ends up in a label. They are rendered verbatim.
  PrometheusMetrics metrics;
  metrics.count_request("/products/{sku}", 200, 0.001);
  EXPECT_EQ(value_of(metrics.render(), R"(allocation_http_requests_total{route="/products/{sku}",)"
                                       R"(status="200"})"),
            "1");
}

TEST(PrometheusMetrics, GaugesAndCountersKeptElsewhereAreReadAtEachScrape) {
  PrometheusMetrics metrics;
  double backlog = 3;
  double hits = 10;
  metrics.add_gauge("allocation_outbox_backlog", "Messages waiting.", [&] { return backlog; });
  metrics.add_counter("allocation_read_cache_hits_total", "Reads from memory.",
                      [&] { return hits; });
  std::string text = metrics.render();
  EXPECT_TRUE(has_line(text, "# HELP allocation_outbox_backlog Messages waiting."));
  EXPECT_TRUE(has_line(text, "# TYPE allocation_outbox_backlog gauge"));
  EXPECT_EQ(value_of(text, "allocation_outbox_backlog"), "3");
  EXPECT_TRUE(has_line(text, "# TYPE allocation_read_cache_hits_total counter"));
  EXPECT_EQ(value_of(text, "allocation_read_cache_hits_total"), "10");

  backlog = 0;
  hits = 12;
  text = metrics.render();
  EXPECT_EQ(value_of(text, "allocation_outbox_backlog"), "0");
  EXPECT_EQ(value_of(text, "allocation_read_cache_hits_total"), "12");
}

// Every kind has its series from the start, at 0: a rate() over a kind that has not happened
// yet is 0, not absent.
TEST(PrometheusMetrics, EventsAreCountedByKindAndEveryKindIsThereFromTheStart) {
  PrometheusMetrics metrics;
  metrics.count_event("allocated");
  metrics.count_event("allocated");
  metrics.count_event("reservation_expired");
  metrics.count_notification_failure();
  const std::string text = metrics.render();
  EXPECT_TRUE(has_line(text, "# TYPE allocation_events_total counter"));
  for (const std::string_view kind : service_layer::kAllEventKinds) {
    const std::string series = "allocation_events_total{kind=\"" + std::string(kind) + "\"}";
    const std::string expected = kind == "allocated"             ? "2"
                                 : kind == "reservation_expired" ? "1"
                                                                 : "0";
    EXPECT_EQ(value_of(text, series), expected) << series;
  }
  EXPECT_EQ(value_of(text, "allocation_notification_failures_total"), "1");
}

TEST(PrometheusMetrics, AGaugeFamilyHasOneSeriesPerLabelValueReadAtEachScrape) {
  PrometheusMetrics metrics;
  double in_use = 2;
  metrics.add_gauge_family(
      "allocation_db_pool_connections", "The pool.", "state",
      {{"in_use", [&] { return in_use; }}, {"idle", [&] { return 16 - in_use; }}});
  std::string text = metrics.render();
  EXPECT_TRUE(has_line(text, "# TYPE allocation_db_pool_connections gauge"));
  EXPECT_EQ(value_of(text, R"(allocation_db_pool_connections{state="in_use"})"), "2");
  EXPECT_EQ(value_of(text, R"(allocation_db_pool_connections{state="idle"})"), "14");
  in_use = 5;
  text = metrics.render();
  EXPECT_EQ(value_of(text, R"(allocation_db_pool_connections{state="in_use"})"), "5");
}

TEST(PrometheusMetrics, AnInfoIsAGaugeOfOneWithItsLabelValuesEscaped) {
  PrometheusMetrics metrics;
  metrics.add_info("allocation_build_info", "The build.",
                   {{"version", "1.2.3"}, {"compiler", "say \"hi\"\\\nbye"}});
  const std::string text = metrics.render();
  EXPECT_TRUE(has_line(text, "# HELP allocation_build_info The build."));
  EXPECT_TRUE(has_line(text, "# TYPE allocation_build_info gauge"));
  EXPECT_TRUE(
      has_line(text, R"(allocation_build_info{version="1.2.3",compiler="say \"hi\"\\\nbye"} 1)"))
      << text;
}

TEST(PrometheusMetrics, AnUnknownGaugeIsRenderedAsNaN) {
  // The outbox backlog while the database is down. Prometheus reads "nan" as NaN (its parser
  // takes Go's float syntax, in any case).
  PrometheusMetrics metrics;
  metrics.add_gauge("allocation_outbox_backlog", "Messages waiting.", [] { return std::nan(""); });
  const auto value = value_of(metrics.render(), "allocation_outbox_backlog");
  ASSERT_TRUE(value);
  EXPECT_TRUE(std::isnan(std::stod(*value))) << *value;
}

}  // namespace
}  // namespace allocation::adapters
