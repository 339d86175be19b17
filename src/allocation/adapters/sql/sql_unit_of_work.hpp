#pragma once

#include <string>
#include <vector>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/product_repository.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

namespace allocation::adapters::sql {

// What the SQL units of work of both databases share: their repository, and the writes of a
// commit. Each database's own unit of work (sqlite/, postgresql/) says on what transaction
// these run, and how its commit ends.
class SqlUnitOfWork : public service_layer::UnitOfWork {
 public:
  std::vector<domain::events::Deallocated> pending_reallocations() override;
  std::vector<service_layer::OrderLineView> order_lines(std::string_view orderid) override;
  // None for an id its products' reads found unused, or assumed unused
  // (SqlProductRepository::hold_id_unused); else as stored.
  std::optional<service_layer::ReservationView> reservation(std::string_view id) override;
  bool message_applied(std::string_view message_id) override;
  std::optional<service_layer::StoredAnswer> answer_to(
      const service_layer::KeyedRequest& request) override;

 protected:
  // `on_connection`: how this unit of work runs SQL, on its transaction. `clock`: the time its
  // ledger movements are stamped with.
  SqlUnitOfWork(OnConnection on_connection, const service_layer::Clock& clock)
      : on_connection_(std::move(on_connection)), clock_(clock) {}

  // Every change, in order: each changed product (its rows, the pending reallocations, the
  // outgoing messages and the ledger movements of its events), the reallocations settled, the
  // warehouses' priorities set and the broker messages applied.
  void write_all_changes(const SqlProductRepository& products, Connection& connection) const;

  const OnConnection& on_connection() const { return on_connection_; }
  // The repository of this unit of work's products.
  virtual const SqlProductRepository& sql_products() const = 0;
  // The time of the commit, as the ledger's movements store it (RFC 3339 UTC).
  std::string now() const;

 private:
  OnConnection on_connection_;
  const service_layer::Clock& clock_;
};

}  // namespace allocation::adapters::sql
