// The holds' cost (SPEC §7.3), through the real message bus, unit of work and database:
// - allocating a line of a SKU with 100 live holds, and of one with 100,000: allocating must not
//   read the holds that are not in its way, so the two should take the same time;
// - the sweep of 10,000 expired holds, 100 in each of 100 SKUs: the time of one
//   ExpireReservations, and how many holds it ended.
// The holds are written with SQL, as the service stores them (a few seconds for 100,000,
// instead of minutes through the bus); every other change goes through the bus.
//
//   holds [--holds N] [--samples S] [--expired N] DB_URL...
#include <soci/session.h>
#include <soci/use.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "allocation/adapters/in_memory/in_memory_reservations.hpp"
#include "allocation/adapters/in_memory/recording_notifications.hpp"
#include "allocation/adapters/real_clock.hpp"
#include "allocation/adapters/sql/migrations.hpp"
#include "allocation/adapters/sql/sql_reservations.hpp"
#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "allocation/bootstrap/bootstrap.hpp"
#include "bench_timing.hpp"

using namespace allocation;
using namespace allocation::domain::commands;
using allocation::bench::Clock;
using allocation::bench::median_allocation_us;
using allocation::bench::micros_since;

namespace {

long long epoch_ms(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Stores `count` holds of 1 unit in batch `batchref` of `sku`, expiring at `expires_ms`, as the
// repository would: the rows, and the batch's reserved total. One statement each, numbers made
// by the database.
void store_holds(adapters::sql::Database& database, const std::string& sku,
                 const std::string& batchref, int count, long long expires_ms) {
  auto lease = database.acquire();
  soci::session& session = lease.session();
  const std::string prefix = batchref + "-h";
  session << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
             " INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s)"
             " SELECT :prefix || i, :sku, :batchref, 1, :expires, 900 FROM n",
      soci::use(count), soci::use(prefix), soci::use(sku), soci::use(batchref),
      soci::use(expires_ms);
  session << "UPDATE batches SET reserved_quantity = reserved_quantity + :count"
             " WHERE reference = :batchref",
      soci::use(count), soci::use(batchref);
}

std::string unique(const std::string& name) {
  return name + "-" + std::to_string(Clock::now().time_since_epoch().count() % 1'000'000'000);
}

// A SKU with one batch of `qty` units of which `holds` are held until a day from now.
std::string sku_with_holds(const service_layer::MessageBus& bus, adapters::sql::Database& database,
                           const std::string& name, int holds, int qty) {
  const std::string sku = unique(name);
  bus.handle(CreateBatch{sku + "-b", sku, qty, std::nullopt});
  store_holds(database, sku, sku + "-b", holds,
              epoch_ms(std::chrono::system_clock::now() + std::chrono::hours(24)));
  return sku;
}

}  // namespace

int main(int argc, char** argv) {
  int holds = 100'000;
  int samples = 200;
  int expired = 10'000;
  std::vector<std::string> urls;
  CLI::App app("The holds' cost, on each database", "holds");
  app.add_option("--holds", holds, "live holds of the SKU timed against 100")
      ->check(CLI::Range(101, 100'000'000))
      ->capture_default_str();
  app.add_option("--samples", samples, "allocations timed at each point")
      ->check(CLI::Range(10, 100'000'000))
      ->capture_default_str();
  app.add_option("--expired", expired, "expired holds, 100 a SKU, that one sweep ends")
      ->check(CLI::Range(100, 100'000'000))
      ->capture_default_str();
  app.add_option("urls", urls, "Database URLs: sqlite:PATH, postgresql://...")->required();
  CLI11_PARSE(app, argc, argv);
  std::printf("%-11s %13s %13s %7s %14s %8s\n", "database", "alloc@100 us",
              ("alloc@" + std::to_string(holds) + " us").c_str(), "ratio",
              ("sweep " + std::to_string(expired) + " ms").c_str(), "ended");
  for (const auto& url : urls) {
    auto database = std::make_shared<adapters::sql::Database>(url);
    adapters::sql::migrate(*database);
    // As the service composes it: the unit of work keeps the read model and the outbox.
    const auto bus = bootstrap::make_message_bus(
        {.units_of_work =
             adapters::sql::sql_units_of_work(database, std::make_shared<adapters::RealClock>()),
         .read_model = nullptr,
         .notifications = std::make_shared<adapters::RecordingNotifications>(),
         .publisher = nullptr,
         .reservations = std::make_shared<adapters::sql::SqlReservations>(database)});

    const std::string few = sku_with_holds(bus, *database, "FEW", 100, 100 + samples);
    const std::string many = sku_with_holds(bus, *database, "MANY", holds, holds + samples);
    const double few_us = median_allocation_us(bus, few, samples);
    const double many_us = median_allocation_us(bus, many, samples);

    // 100 holds a SKU, expired a second ago.
    const long long past = epoch_ms(std::chrono::system_clock::now() - std::chrono::seconds(1));
    for (int product = 0; product < expired / 100; ++product) {
      const std::string sku = unique("SWEPT" + std::to_string(product));
      bus.handle(CreateBatch{sku + "-b", sku, 100, std::nullopt});
      store_holds(*database, sku, sku + "-b", 100, past);
    }
    const auto start = Clock::now();
    const int ended = bus.handle(ExpireReservations{});  // the timed one
    const double sweep_ms = micros_since(start) / 1000;

    std::printf("%-11s %13.0f %13.0f %7.2f %14.1f %8d\n",
                url.starts_with("sqlite") ? "sqlite" : "postgresql", few_us, many_us,
                many_us / few_us, sweep_ms, ended);
  }
  return 0;
}
