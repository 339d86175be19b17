#pragma once

#include <memory>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/reservations.hpp"

namespace allocation::adapters::sql {

// The hold with this id, live or ended (table reservations), in one statement on `connection`.
std::optional<service_layer::ReservationView> read_reservation(Connection& connection,
                                                               std::string_view id);

// Holds from the table that keeps them, each answer one statement on a pooled connection.
class SqlReservations final : public service_layer::Reservations {
 public:
  explicit SqlReservations(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  std::optional<service_layer::ReservationView> find(std::string_view id) override;
  // Served by index reservations_by_expiry (expires_at, sku), reading at most 10,000 expired
  // holds: fewer SKUs than `limit` does not mean no other has expired holds.
  std::vector<std::string> skus_with_expired(domain::Instant now, int limit) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
