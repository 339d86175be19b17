#include "allocation/adapters/sql/sql_reservations.hpp"

namespace allocation::adapters::sql {

using service_layer::HoldStatus;

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
      "SELECT sku, qty, batchref, expires_at, NULL FROM reservations WHERE id = :live"
      " UNION ALL SELECT sku, qty, batchref, expires_at, ended FROM ended_reservations"
      " WHERE id = :ended",
      key, key);
  if (rows.empty()) return std::nullopt;
  const auto& [sku, qty, batchref, expires_at, ended] = rows.front();
  return service_layer::ReservationView{key,
                                        *sku,
                                        *qty,
                                        *batchref,
                                        domain::Instant(std::chrono::milliseconds(*expires_at)),
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
    for (const auto& [sku] : connection.query<std::string>(
             "SELECT DISTINCT sku FROM reservations WHERE expires_at <= :now LIMIT :limit",
             static_cast<long long>(now.time_since_epoch().count()), limit)) {
      skus.push_back(*sku);
    }
  });
  return skus;
}

}  // namespace allocation::adapters::sql
