#include "allocation/adapters/sql/sql_unit_of_work.hpp"

#include "allocation/adapters/sql/movement_writer.hpp"
#include "allocation/adapters/sql/outbox_writer.hpp"
#include "allocation/adapters/sql/pending_reallocations.hpp"
#include "allocation/adapters/sql/sql_order_lines.hpp"
#include "allocation/adapters/sql/sql_reservations.hpp"
#include "allocation/adapters/sql/stored_instant.hpp"
#include "allocation/adapters/utc_time.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

std::vector<domain::events::Deallocated> SqlUnitOfWork::pending_reallocations() {
  std::vector<domain::events::Deallocated> pending;
  on_connection_(
      [&](Connection& connection) { pending = pending_reallocations::list(connection); });
  return pending;
}

std::vector<service_layer::OrderLineView> SqlUnitOfWork::order_lines(std::string_view orderid) {
  std::vector<service_layer::OrderLineView> lines;
  on_connection_([&](Connection& connection) { lines = read_order_lines(connection, orderid); });
  return lines;
}

std::optional<service_layer::ReservationView> SqlUnitOfWork::reservation(std::string_view id) {
  if (sql_products().hold_id_unused(id)) return std::nullopt;
  std::optional<service_layer::ReservationView> found;
  on_connection_([&](Connection& connection) { found = read_reservation(connection, id); });
  return found;
}

bool SqlUnitOfWork::message_applied(std::string_view message_id) {
  bool applied = false;
  on_connection_([&](Connection& connection) {
    applied = !connection
                   .query<int>("SELECT 1 FROM applied_messages WHERE message_id = :m",
                               std::string(message_id))
                   .empty();
  });
  return applied;
}

std::optional<service_layer::StoredAnswer> SqlUnitOfWork::answer_to(
    const service_layer::KeyedRequest& request) {
  std::optional<service_layer::StoredAnswer> found;
  on_connection_([&](Connection& connection) {
    for (const auto& [fingerprint, status, body] : connection.query<std::string, int, std::string>(
             "SELECT fingerprint, status, body FROM idempotency_keys"
             " WHERE key = :k AND recorded_at >= :live",
             request.key, stored_instant(request.oldest_live()))) {
      found = service_layer::StoredAnswer{*fingerprint, {*status, *body}};
    }
  });
  return found;
}

std::string SqlUnitOfWork::now() const { return format_utc(clock_.now()); }

void SqlUnitOfWork::write_all_changes(const SqlProductRepository& products,
                                      Connection& connection) const {
  const std::string at = now();
  for (const auto& [sku, tracked] : products.seen()) {
    if (!tracked.changed()) continue;
    products.save(tracked, connection);
    pending_reallocations::store(tracked.product, connection);
    store_outgoing_messages(tracked.product, connection);
    store_movements(tracked.product, at, connection);
  }
  for (const auto& settled : settled_reallocations())
    pending_reallocations::settle(settled, connection);
  for (const auto& [warehouse, priority] : warehouse_priorities_set()) {
    connection.execute(
        "INSERT INTO warehouses (id, priority) VALUES (:w, :p)"
        " ON CONFLICT (id) DO UPDATE SET priority = excluded.priority",
        warehouse, priority);
  }
  if (!warehouse_priorities_set().empty())
    connection.execute("UPDATE warehouse_priorities_version SET version = version + 1");
  // Another process applied the same message since this unit of work found it unapplied: a lost
  // race, as a product's version makes it (which need not have moved: the other may have set a
  // batch to the quantity this one then found and left as it was). Run again, the message is
  // found applied.
  for (const std::string& message_id : applied_messages()) {
    if (connection.execute("INSERT INTO applied_messages (message_id, applied_at) VALUES (:m, :at)"
                           " ON CONFLICT (message_id) DO NOTHING",
                           message_id, at) == 0) {
      throw service_layer::ConcurrencyError("message " + message_id + " was applied meanwhile");
    }
  }
  // Likewise a request with the same key answered meanwhile. An expired answer not yet swept
  // gives way to the new one.
  for (const auto& [request, answer] : recorded_answers()) {
    if (connection.execute(
            "INSERT INTO idempotency_keys (key, fingerprint, status, body, recorded_at)"
            " VALUES (:k, :f, :s, :b, :at)"
            " ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " status = excluded.status, body = excluded.body, recorded_at = excluded.recorded_at"
            " WHERE idempotency_keys.recorded_at < :live",
            request.key, request.fingerprint, answer.status, answer.body,
            stored_instant(request.at), stored_instant(request.oldest_live())) == 0) {
      throw service_layer::ConcurrencyError("idempotency key " + request.key +
                                            " was answered meanwhile");
    }
  }
}

}  // namespace allocation::adapters::sql
