#include "allocation/adapters/sql/postgresql/hold_statement.hpp"

#include <optional>
#include <stdexcept>

#include "allocation/adapters/sql/postgresql/allocation_statement.hpp"
#include "allocation/adapters/sql/postgresql/product_in_group_repository.hpp"
#include "allocation/adapters/sql/stored_instant.hpp"

namespace allocation::adapters::sql {

namespace {

// One hold taking units of one batch, with its movement, all written only if the product's row
// is updated: `condition` is the rest of that update's WHERE.
std::string hold_statement(const char* condition) {
  // An id names one hold for good: a hold of the id made or ended meanwhile, of any product, is
  // a lost race too, found before its insert's unique violation spoils the group's transaction.
  return moving_version(
             std::string("  AND NOT EXISTS (SELECT 1 FROM reservations WHERE id = :taken)") +
             condition) +
         " batch AS ("
         "  UPDATE batches SET reserved_quantity = :r"
         "  WHERE reference = :ref AND EXISTS (SELECT 1 FROM version)),"
         " hold AS ("
         "  INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s)"
         "  SELECT :id, sku, :b, :q, :e, :t FROM version),"
         " movement AS ("
         "  INSERT INTO movements (at, sku, batchref, kind, qty, reservation)"
         "  SELECT :at, sku, :mb, :mk, :mq, :mh FROM version)"
         " SELECT COUNT(*) FROM version";
}

// Runs `sql`, a hold_statement, for `change`; `checked` are the values of its condition's
// parameters, bound after the hold's id.
template <class... Checked>
std::vector<Row<long long>> write_hold_with(const std::string& sql, const NewHold& change,
                                            Connection& connection, const Checked&... checked) {
  const domain::Hold& hold = change.hold;
  return connection.query<long long>(
      sql, change.product.version_number(), change.product.sku(), change.loaded_version, hold.id(),
      checked..., change.batch.reserved_quantity(), change.batch.reference(), hold.id(),
      hold.batchref(), hold.qty(), stored_instant(hold.expires_at()),
      static_cast<int>(hold.ttl().count()), change.at, change.movement.batchref,
      std::string(change.movement.kind), change.movement.qty, change.movement.reservation);
}

}  // namespace

void write_hold(const NewHold& change, Connection& connection) {
  static const std::string sql = hold_statement("");
  require_version_moved(write_hold_with(sql, change, connection), change.product);
}

void write_assumed_hold(const NewHold& change, Connection& connection) {
  static const std::string sql =
      hold_statement(" AND (SELECT version FROM warehouse_priorities_version) = :pv");
  if (!change.priorities_version) throw AssumptionUnconfirmed();
  const auto written = write_hold_with(sql, change, connection, *change.priorities_version);
  if (*std::get<0>(written.at(0)) == 0) throw AssumptionUnconfirmed();
}

namespace {

// One hold consumed by a line in its batch (its row marked so), with the line's message and
// both movements, all written only if the product's row is updated: `condition` is the rest of
// that update's WHERE.
std::string held_line_statement(const char* condition) {
  return moving_version(condition) +
         " batch AS ("
         "  UPDATE batches SET allocated_quantity = :a, reserved_quantity = :r"
         "  WHERE reference = :ref AND EXISTS (SELECT 1 FROM version)),"
         " line AS ("
         "  INSERT INTO allocations (orderid, sku, qty, batchref)"
         "  SELECT :o, sku, :q, :b FROM version),"
         " ended AS ("
         "  UPDATE reservations SET ended = 'consumed'"
         "  WHERE id = :id AND EXISTS (SELECT 1 FROM version)),"
         " message AS ("
         "  INSERT INTO outbox (message_id, channel, payload) SELECT :m, :c, :p FROM version),"
         // In the order of their events: seq is drawn as the sorted rows go in.
         " movement AS ("
         "  INSERT INTO movements (at, sku, batchref, kind, qty, orderid, reason, reservation)"
         "  SELECT :at, version.sku, m.batchref, m.kind, m.qty, m.orderid, m.reason, m.reservation"
         "  FROM version CROSS JOIN (VALUES"
         "   (1, CAST(:b1 AS TEXT), CAST(:k1 AS TEXT), CAST(:q1 AS INTEGER), CAST(:o1 AS TEXT),"
         "    CAST(:r1 AS TEXT), CAST(:h1 AS TEXT)),"
         "   (2, CAST(:b2 AS TEXT), CAST(:k2 AS TEXT), CAST(:q2 AS INTEGER), CAST(:o2 AS TEXT),"
         "    CAST(:r2 AS TEXT), CAST(:h2 AS TEXT))"
         "  ) AS m (n, batchref, kind, qty, orderid, reason, reservation) ORDER BY m.n)"
         " SELECT COUNT(*) FROM version";
}

// Runs `sql`, a held_line_statement, for `change`; `checked` are the values of its condition's
// parameters, bound after the product's version.
template <class... Checked>
std::vector<Row<long long>> write_held_line_with(const std::string& sql, const HeldLine& change,
                                                 Connection& connection,
                                                 const Checked&... checked) {
  if (change.movements.size() != 2) throw std::logic_error("a held line has two movements");
  const domain::Hold& hold = change.hold;
  const service_layer::Movement& unreserved = change.movements[0];
  const service_layer::Movement& allocated = change.movements[1];
  const auto reason = [](const service_layer::Movement& movement) {
    return movement.reason ? std::optional<std::string>(*movement.reason) : std::nullopt;
  };
  return connection.query<long long>(
      sql, change.product.version_number(), change.product.sku(), change.loaded_version, checked...,
      change.batch.allocated_quantity(), change.batch.reserved_quantity(), change.batch.reference(),
      change.line.orderid(), change.line.qty(), change.batch.reference(), hold.id(),
      change.message.message_id, std::string(change.message.channel), change.message.payload,
      change.at, unreserved.batchref, std::string(unreserved.kind), unreserved.qty,
      unreserved.orderid, reason(unreserved), unreserved.reservation, allocated.batchref,
      std::string(allocated.kind), allocated.qty, allocated.orderid, reason(allocated),
      allocated.reservation);
}

}  // namespace

void write_held_line(const HeldLine& change, Connection& connection) {
  static const std::string sql = held_line_statement("");
  require_version_moved(write_held_line_with(sql, change, connection), change.product);
}

void write_assumed_held_line(const HeldLine& change, Connection& connection) {
  // The order's line, as an assumed line's statement checks it (write_assumed_line); and the
  // hold: remembered by this process, it may have been extended, released or used elsewhere
  // before the product's last write by this process. Not the priorities' version: the line goes
  // to the hold's batch, whatever the ranking.
  static const std::string sql = held_line_statement(
      " AND NOT EXISTS (SELECT 1 FROM allocations WHERE orderid = :lo AND sku = :ls)"
      " AND EXISTS (SELECT 1 FROM reservations WHERE id = :hid AND sku = :hs AND batchref = :hb"
      "  AND qty = :hq AND expires_at = :he AND ttl_s = :ht AND ended IS NULL)");
  const domain::Hold& hold = change.hold;
  const auto written =
      write_held_line_with(sql, change, connection, change.line.orderid(), change.product.sku(),
                           hold.id(), hold.sku(), hold.batchref(), hold.qty(),
                           stored_instant(hold.expires_at()), static_cast<int>(hold.ttl().count()));
  if (*std::get<0>(written.at(0)) == 0) throw AssumptionUnconfirmed();
}

}  // namespace allocation::adapters::sql
