// Time per allocation of one SKU after 100 and after 20,000 prior allocations of it, through
// the real message bus, unit of work and database: does allocating slow down as history grows?
//
//   allocate_history [--history N] [--samples S] DB_URL...
//
// Prints one line per database: median and p90 of S timed allocations at each checkpoint, and
// the ratio of the medians (late / early).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "allocation/adapters/in_memory/recording_notifications.hpp"
#include "allocation/adapters/sql/migrations.hpp"
#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "allocation/bootstrap/bootstrap.hpp"

using namespace allocation;
using Clock = std::chrono::steady_clock;

namespace {

struct Sample {
  double median_us;
  double p90_us;
};

Sample time_allocations(const service_layer::MessageBus& bus, const std::string& sku, int& next,
                        int samples) {
  std::vector<double> times;
  for (int i = 0; i < samples; ++i) {
    const auto start = Clock::now();
    bus.handle(domain::commands::Allocate{"h-" + std::to_string(next++), sku, 1});
    times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], times[times.size() * 9 / 10]};
}

}  // namespace

int main(int argc, char** argv) {
  int history = 20'000;
  int samples = 200;
  std::vector<std::string> urls;
  CLI::App app("Allocation latency against the history of one SKU, on each database",
               "allocate_history");
  app.add_option("--history", history, "allocations of the SKU before the second point")
      ->check(CLI::Range(101, 100'000'000))
      ->capture_default_str();
  app.add_option("--samples", samples, "allocations timed at each point")
      ->check(CLI::Range(10, 100'000'000))
      ->capture_default_str();
  app.add_option("urls", urls, "Database URLs: sqlite:PATH, postgresql://...")->required();
  CLI11_PARSE(app, argc, argv);
  std::printf("%-12s %14s %14s %14s %14s %8s\n", "database", "median@100", "p90@100",
              ("median@" + std::to_string(history)).c_str(),
              ("p90@" + std::to_string(history)).c_str(), "ratio");
  for (const auto& url : urls) {
    auto database = std::make_shared<adapters::sql::Database>(url);
    adapters::sql::migrate(*database);
    // As the service composes it: the unit of work keeps the read model and the outbox.
    auto bus = bootstrap::make_message_bus(
        {adapters::sql::sql_units_of_work(database, std::make_shared<adapters::RealClock>()),
         nullptr, std::make_shared<adapters::RecordingNotifications>(), nullptr});
    const std::string sku =
        "HIST-" + std::to_string(Clock::now().time_since_epoch().count() % 1'000'000'000);
    bus.handle(domain::commands::CreateBatch{sku + "-wh", sku, 2'000'000'000, std::nullopt});
    int next = 0;
    while (next < 100)
      bus.handle(domain::commands::Allocate{"h-" + std::to_string(next++), sku, 1});
    const Sample early = time_allocations(bus, sku, next, samples);
    while (next < history) {
      bus.handle(domain::commands::Allocate{"h-" + std::to_string(next++), sku, 1});
    }
    const Sample late = time_allocations(bus, sku, next, samples);
    std::printf("%-12s %12.0fus %12.0fus %12.0fus %12.0fus %8.2f\n",
                url.starts_with("sqlite") ? "sqlite" : "postgresql", early.median_us, early.p90_us,
                late.median_us, late.p90_us, late.median_us / early.median_us);
  }
  return 0;
}
