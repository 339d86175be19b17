#include "allocation/adapters/sql/sql_reservations.hpp"

#include "allocation/adapters/sql/stored_instant.hpp"

namespace allocation::adapters::sql {

using service_layer::HoldStatus;

namespace {
// Expired holds read at most per call of skus_with_expired. A sweep that left products out
// (their holds would not end) finds no others behind them only when these hold all of the first
// kScan expired holds: the next sweep, once those end, does.
constexpr int kScan = 10'000;
}  // namespace

namespace {

HoldStatus status_of(const std::string& ended) {
  if (ended == "expired") return HoldStatus::expired;
  if (ended == "consumed") return HoldStatus::consumed;
  return HoldStatus::released;
}

}  // namespace

std::optional<service_layer::ReservationView> read_reservation(Connection& connection,
                                                               std::string_view id) {
  const std::string key(id);
  // ended is NULL for a live hold.
  const auto rows = connection.query<std::string, int, std::string, long long, std::string>(
      "SELECT sku, qty, batchref, expires_at, ended FROM reservations WHERE id = :id", key);
  if (rows.empty()) return std::nullopt;
  const auto& [sku, qty, batchref, expires_at, ended] = rows.front();
  return service_layer::ReservationView{key,
                                        *sku,
                                        *qty,
                                        *batchref,
                                        instant_from_store(*expires_at),
                                        ended ? status_of(*ended) : HoldStatus::held};
}

std::optional<service_layer::ReservationView> SqlReservations::find(std::string_view id) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::optional<service_layer::ReservationView> found;
  database_->run_first(lease, [&] { found = read_reservation(connection, id); });
  return found;
}

std::vector<std::string> SqlReservations::skus_with_expired(domain::Instant now, int limit) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<std::string> skus;
  database_->run_first(lease, [&] {
    // The earliest expired holds through the index on expiry, then their SKUs: at most :scan
    // rows read, however many holds are live. (Asked for distinct SKUs directly, SQLite chose a
    // scan of every live hold, at every sweep.)
    for (const auto& [sku] : connection.query<std::string>(
             "SELECT DISTINCT sku FROM (SELECT sku FROM reservations"
             " WHERE expires_at <= :now AND ended IS NULL ORDER BY expires_at LIMIT :scan)"
             " AS expired LIMIT :limit",
             stored_instant(now), kScan, limit)) {
      skus.push_back(*sku);
    }
  });
  return skus;
}

}  // namespace allocation::adapters::sql
