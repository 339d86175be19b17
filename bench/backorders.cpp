// The backorder queue's cost, through the real message bus, unit of work and database:
// - allocating a line of a SKU with 100 waiting lines, and of one with 10,000: allocating must
//   not read the queue, so the two should take the same time;
// - one batch arriving for 1,000 waiting lines of 1 unit: the time of that one change, which
//   reads the queue in arrival order and allocates every line that fits, and how many it filled.
//
//   backorders [--waiting N] [--samples S] [--refill N] DB_URL...
#include <soci/into.h>
#include <soci/session.h>
#include <soci/use.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "allocation/adapters/in_memory/recording_notifications.hpp"
#include "allocation/adapters/real_clock.hpp"
#include "allocation/adapters/sql/migrations.hpp"
#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "allocation/bootstrap/bootstrap.hpp"
#include "bench_timing.hpp"

using namespace allocation;
using namespace allocation::domain::commands;
using allocation::bench::Clock;
using allocation::bench::median_allocation_us;
using allocation::bench::micros_since;

namespace {

// A SKU with backorders on and `waiting` lines of `qty` units waiting (no stock at all).
std::string sku_with_queue(const service_layer::MessageBus& bus, const std::string& name,
                           int waiting, int qty) {
  const std::string sku =
      name + "-" + std::to_string(Clock::now().time_since_epoch().count() % 1'000'000'000);
  bus.handle(CreateBatch{sku + "-empty", sku, 0, std::nullopt});
  bus.handle(SetProductPolicy{sku, true, std::nullopt});
  for (int i = 0; i < waiting; ++i) bus.handle(Allocate{sku + "-w" + std::to_string(i), sku, qty});
  return sku;
}

}  // namespace

int main(int argc, char** argv) {
  int waiting = 10'000;
  int samples = 200;
  int refill = 1'000;
  std::vector<std::string> urls;
  CLI::App app("The backorder queue's cost, on each database", "backorders");
  app.add_option("--waiting", waiting, "lines waiting of the SKU timed against 100")
      ->check(CLI::Range(101, 100'000'000))
      ->capture_default_str();
  app.add_option("--samples", samples, "allocations timed at each point")
      ->check(CLI::Range(10, 100'000'000))
      ->capture_default_str();
  app.add_option("--refill", refill, "waiting lines of 1 unit that one arriving batch fills")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  app.add_option("urls", urls, "Database URLs: sqlite:PATH, postgresql://...")->required();
  CLI11_PARSE(app, argc, argv);
  std::printf("%-11s %13s %13s %7s %14s %8s\n", "database", "alloc@100 us",
              ("alloc@" + std::to_string(waiting) + " us").c_str(), "ratio",
              ("refill " + std::to_string(refill) + " ms").c_str(), "filled");
  for (const auto& url : urls) {
    auto database = std::make_shared<adapters::sql::Database>(url);
    adapters::sql::migrate(*database);
    // As the service composes it: the unit of work keeps the read model and the outbox.
    const auto bus = bootstrap::make_message_bus(
        {adapters::sql::sql_units_of_work(database, std::make_shared<adapters::RealClock>()),
         nullptr, std::make_shared<adapters::RecordingNotifications>(), nullptr});

    // Lines of 1,000,000 units wait; a batch of `samples` units takes the timed lines of 1.
    const std::string few = sku_with_queue(bus, "FEW", 100, 1'000'000);
    const std::string many = sku_with_queue(bus, "MANY", waiting, 1'000'000);
    for (const auto& sku : {few, many}) bus.handle(CreateBatch{sku + "-b", sku, samples, {}});
    const double few_us = median_allocation_us(bus, few, samples);
    const double many_us = median_allocation_us(bus, many, samples);

    const std::string queued = sku_with_queue(bus, "REFILL", refill, 1);
    const auto start = Clock::now();
    bus.handle(CreateBatch{queued + "-arrived", queued, refill, std::nullopt});  // the timed one
    const double refill_ms = micros_since(start) / 1000;
    int filled = 0;
    const std::string arrived = queued + "-arrived";
    auto lease = database->acquire();
    lease.session() << "SELECT COUNT(*) FROM allocations WHERE batchref = :b", soci::use(arrived),
        soci::into(filled);

    std::printf("%-11s %13.0f %13.0f %7.2f %14.1f %8d\n",
                url.starts_with("sqlite") ? "sqlite" : "postgresql", few_us, many_us,
                many_us / few_us, refill_ms, filled);
  }
  return 0;
}
