#include "allocation/adapters/sql/product_repository.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "allocation/adapters/sql/stored_date.hpp"
#include "allocation/adapters/sql/stored_instant.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

using domain::Batch;
using domain::OrderLine;
using domain::Product;

namespace {

bool contains(const std::vector<OrderLine>& lines, const OrderLine& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// allocations.state: where an order's line is (migration 10).
constexpr int kAllocated = 0, kWaiting = 1, kReleased = 2;

// One round trip: the product, its batches with their warehouses' priorities (configured ones;
// NULL for the others), the rows of the order's line if it has one (allocated, waiting or
// released: one row, or one per part of a line split across batches, each on every batch row)
// and, when one is named, the hold, if live; with the batches, the version of the priorities.
// The batches come in the order they were added. `with_id_uses`: with whether a hold, live or
// ended, of any product, has the hold's id (for a hold named without an order: Reserve's).
// Without a hold named, the plan has no join for it; without batches (a reader that knows them),
// no join for them either, and their columns are NULL.
const std::string& load_product_sql(bool with_hold, bool with_batches, bool with_id_uses) {
  static const auto sql = [](bool hold, bool batches, bool id_uses) {
    std::string sql =
        "SELECT p.version_number, p.out_of_stock, p.backorders, p.low_stock_threshold,"
        " a.id, a.state, a.qty, a.batchref, a.line_qty, ";
    sql.append(batches ? "b.reference, b.purchased_quantity, b.eta, b.allocated_quantity,"
                         " b.reserved_quantity, b.warehouse, b.expires, w.priority, "
                       : "CAST(NULL AS TEXT), CAST(NULL AS INTEGER), CAST(NULL AS TEXT),"
                         " CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), CAST(NULL AS TEXT),"
                         " CAST(NULL AS TEXT), CAST(NULL AS INTEGER), ");
    sql.append(hold ? "h.batchref, h.qty, h.expires_at, h.ttl_s, "
                    : "CAST(NULL AS TEXT), CAST(NULL AS INTEGER), CAST(NULL AS BIGINT),"
                      " CAST(NULL AS INTEGER), ");
    sql.append(batches ? "(SELECT version FROM warehouse_priorities_version), "
                       : "CAST(NULL AS BIGINT), ");
    sql.append(id_uses ? "(SELECT COUNT(*) FROM reservations WHERE id = :taken)"
                       : "CAST(NULL AS BIGINT)");
    sql.append(" FROM products p");
    sql.append(" LEFT JOIN allocations a ON a.orderid = :orderid AND a.sku = p.sku");
    if (hold) {
      sql.append(" LEFT JOIN reservations h ON h.id = :hold AND h.sku = p.sku AND h.ended IS NULL");
    }
    if (batches) {
      sql.append(
          " LEFT JOIN batches b ON b.sku = p.sku LEFT JOIN warehouses w ON w.id = b.warehouse");
    }
    sql.append(" WHERE p.sku = :sku");
    if (batches) sql.append(" ORDER BY b.id");
    return sql;
  };
  static const std::string all[2][2][2] = {{{sql(false, false, false), sql(false, false, true)},
                                            {sql(false, true, false), sql(false, true, true)}},
                                           {{sql(true, false, false), sql(true, false, true)},
                                            {sql(true, true, false), sql(true, true, true)}}};
  return all[with_hold][with_batches][with_id_uses];
}

template <class... In>
auto query_product(Connection& connection, const std::string& sql, const In&... in) {
  return connection.query<int, int, int, int, long long, int, int, std::string, int, std::string,
                          int, std::string, int, int, std::string, std::string, int, std::string,
                          int, long long, int, long long, long long>(sql, in...);
}

// A stored line, or a part of a split line: `line_qty` is NULL for a whole line.
OrderLine stored_line(const std::string& orderid, const std::string& sku, int qty,
                      const std::optional<int>& line_qty) {
  return OrderLine(orderid, sku, qty, line_qty.value_or(qty));
}
std::optional<int> line_qty_to_store(const OrderLine& line) {
  return line.is_part() ? std::optional<int>(line.line_qty()) : std::nullopt;
}

// Adds a batch's loaded line, oldest first. A batch has one part of a split line: rows of the
// same line (a waiting part served to a batch whose part of it was not loaded) are one, at the
// place of the most recent.
void add_loaded_line(std::vector<OrderLine>& lines, OrderLine line) {
  auto same = std::find_if(lines.begin(), lines.end(), [&](const OrderLine& l) {
    return l.orderid() == line.orderid() && l.is_part() && line.is_part();
  });
  if (same != lines.end()) {
    line = line.part(same->qty() + line.qty());
    lines.erase(same);
  }
  lines.push_back(std::move(line));
}

const char* ended_name(domain::HoldEnd how) {
  switch (how) {
    case domain::HoldEnd::expired:
      return "expired";
    case domain::HoldEnd::released:
      return "released";
    case domain::HoldEnd::consumed:
      return "consumed";
  }
  return "released";
}

}  // namespace

std::optional<Product> SqlProductRepository::load(std::string_view sku, std::string_view orderid,
                                                  std::string_view hold_id) {
  return load_product(std::string(sku), std::string(orderid), "", std::string(hold_id));
}

std::optional<Product> SqlProductRepository::load_by_hold(std::string_view id) {
  const std::string hold_id(id);
  std::vector<Row<std::string>> owner;
  read_([&](Connection& connection) {
    owner = connection.query<std::string>(
        "SELECT sku FROM reservations WHERE id = :id AND ended IS NULL", hold_id);
  });
  if (owner.empty()) return std::nullopt;
  return load_product(*std::get<0>(owner.front()), "", "", hold_id);
}

std::vector<domain::Hold> SqlProductRepository::expired_holds(const std::string& sku,
                                                              domain::Instant now) {
  std::vector<domain::Hold> expired;
  const int loaded_version = loaded_[sku].version;
  read_([&](Connection& connection) {
    // The product's row comes along: its version says whether this read sees what the load saw.
    for (const auto& [version, id, batchref, qty, expires_at, ttl] :
         connection.query<int, std::string, std::string, int, long long, int>(
             "SELECT p.version_number, h.id, h.batchref, h.qty, h.expires_at, h.ttl_s"
             " FROM products p LEFT JOIN batches b ON b.sku = p.sku LEFT JOIN reservations h"
             "  ON h.batchref = b.reference AND h.expires_at <= :now AND h.ended IS NULL"
             " WHERE p.sku = :sku ORDER BY h.seq",
             stored_instant(now), sku)) {
      if (*version != loaded_version) {
        throw service_layer::ConcurrencyError("product " + sku + " changed while it was read");
      }
      if (!id) continue;  // none expired in the batch
      expired.emplace_back(*id, sku, *qty, *batchref, instant_from_store(*expires_at),
                           std::chrono::seconds(*ttl));
    }
  });
  auto& loaded_holds = loaded_[sku].holds;
  for (const domain::Hold& hold : expired) loaded_holds.try_emplace(hold.id(), hold);
  return expired;
}

std::optional<Product> SqlProductRepository::load_by_batchref(std::string_view reference) {
  const std::string ref(reference);
  std::vector<Row<std::string>> owner;
  read_([&](Connection& connection) {
    owner = connection.query<std::string>("SELECT sku FROM batches WHERE reference = :ref", ref);
  });
  if (owner.empty()) return std::nullopt;
  return load_product(*std::get<0>(owner.front()), "", ref, "");
}

std::vector<domain::WaitingLine> SqlProductRepository::waiting_lines(const std::string& sku,
                                                                     std::int64_t after,
                                                                     int max_qty) {
  std::vector<domain::WaitingLine> page;
  read_([&](Connection& connection) {
    for (const auto& [seq, orderid, qty, line_qty] :
         connection.query<long long, std::string, int, int>(
             "SELECT id, orderid, qty, line_qty FROM allocations"
             " WHERE sku = :sku AND state = 1 AND id > :after AND qty <= :max ORDER BY id"
             " LIMIT 100",
             sku, static_cast<long long>(after), max_qty)) {
      page.push_back({*seq, stored_line(*orderid, sku, *qty, line_qty)});
    }
  });
  return page;
}

void SqlProductRepository::OrderRows::add(const std::string& orderid, const std::string& sku,
                                          const std::optional<long long>& id,
                                          const std::optional<int>& state,
                                          const std::optional<int>& qty,
                                          const std::optional<std::string>& batchref,
                                          const std::optional<int>& line_qty) {
  if (!id || !ids.insert(*id).second) return;
  OrderLine line = stored_line(orderid, sku, *qty, line_qty);
  if (state == kWaiting) {
    waiting.push_back({*id, std::move(line)});
  } else if (state == kReleased) {
    released.push_back(std::move(line));
  } else {
    add_loaded_line(allocated[*batchref], std::move(line));
  }
}

void SqlProductRepository::OrderRows::put_on(std::vector<Batch>& batches, const std::string& sku) {
  for (Batch& batch : batches) {
    auto parts = allocated.find(batch.reference());
    if (parts == allocated.end()) continue;
    batch = Batch::restore(batch.reference(), sku, batch.purchased_quantity(), batch.eta(),
                           batch.allocated_quantity(), std::move(parts->second),
                           batch.reserved_quantity(), batch.storage());
  }
}

SqlProductRepository::ProductRead SqlProductRepository::read_product(Connection& connection,
                                                                     const std::string& sku,
                                                                     const std::string& orderid,
                                                                     const std::string& hold_id,
                                                                     bool with_batches) {
  ProductRead read;
  // A hold named without an order (Reserve's) comes with the count of its id's uses.
  const auto rows = [&] {
    if (hold_id.empty()) {
      return query_product(connection, load_product_sql(false, with_batches, false), orderid, sku);
    }
    if (orderid.empty()) {
      return query_product(connection, load_product_sql(true, with_batches, true), hold_id, orderid,
                           hold_id, sku);
    }
    return query_product(connection, load_product_sql(true, with_batches, false), orderid, hold_id,
                         sku);
  }();
  // The rows of the order's line come again on every batch row: each is taken once, by id.
  for (const auto& [version_number, ran_out, backorders, threshold, line_id, line_state, qty,
                    line_batch, line_qty, reference, purchased, eta, allocated, reserved, warehouse,
                    expires, priority, hold_batch, hold_qty, hold_expires, hold_ttl,
                    priorities_version, id_uses] : rows) {
    if (!read.version) {
      read.priorities_version = priorities_version;
      if (id_uses == 0) read.unused_hold_id = hold_id;
      read.state.out_of_stock = *ran_out != 0;
      read.state.policy = {.backorders = *backorders != 0, .low_stock_threshold = threshold};
      if (hold_batch) {
        read.holds.emplace_back(hold_id, sku, *hold_qty, *hold_batch,
                                instant_from_store(*hold_expires), std::chrono::seconds(*hold_ttl));
      }
    }
    read.version = *version_number;
    read.order.add(orderid, sku, line_id, line_state, qty, line_batch, line_qty);
    // A product with no batch yet; or a batch row again, with another of the order's rows.
    if (!reference || (!read.batches.empty() && read.batches.back().reference() == *reference)) {
      continue;
    }
    if (priority) read.priorities.emplace(*warehouse, *priority);
    read.batches.push_back(
        Batch::restore(*reference, sku, *purchased, date_from_store(eta), *allocated, {}, *reserved,
                       {.warehouse = *warehouse, .expires = date_from_store(expires)}));
  }
  return read;
}

std::optional<Product> SqlProductRepository::load_product(const std::string& sku,
                                                          const std::string& orderid,
                                                          const std::string& full_batch,
                                                          const std::string& hold_id) {
  ProductRead read;
  read_([&](Connection& connection) {
    before_reading(connection, sku);
    read = read_product(connection, sku, orderid, hold_id, true);
    if (!read.version || full_batch.empty()) return;
    read.order.allocated.erase(full_batch);  // among the batch's lines, all put on below
    // Every hold of the batch whose quantity changes, oldest first.
    for (const auto& [id, qty, expires_at, ttl] :
         connection.query<std::string, int, long long, int>(
             "SELECT id, qty, expires_at, ttl_s FROM reservations"
             " WHERE batchref = :ref AND ended IS NULL ORDER BY seq",
             full_batch)) {
      if (*id == hold_id) continue;
      read.holds.emplace_back(*id, sku, *qty, full_batch, instant_from_store(*expires_at),
                              std::chrono::seconds(*ttl));
    }
    // Every line of the batch whose quantity changes, oldest first.
    std::vector<OrderLine> all;
    for (const auto& [line_orderid, qty, line_qty] : connection.query<std::string, int, int>(
             "SELECT orderid, qty, line_qty FROM allocations WHERE batchref = :ref ORDER BY id",
             full_batch)) {
      add_loaded_line(all, stored_line(*line_orderid, sku, *qty, line_qty));
    }
    for (Batch& batch : read.batches) {
      if (batch.reference() != full_batch) continue;
      batch = Batch::restore(batch.reference(), sku, batch.purchased_quantity(), batch.eta(),
                             batch.allocated_quantity(), std::move(all), batch.reserved_quantity(),
                             batch.storage());
      // Read outside a transaction (PostgreSQL), the batch and its lines are two reads: a
      // commit between them is a race like any other, lost before anything was written. So are
      // the batch and its holds: a hold ended or made between them leaves its reserved total
      // unlike the holds read, which the domain cannot take for the batch's.
      int held = 0;
      for (const domain::Hold& hold : read.holds) {
        if (hold.batchref() == full_batch) held += hold.qty();
      }
      if (!batch.all_lines_loaded() || held != batch.reserved_quantity()) {
        throw service_layer::ConcurrencyError("batch " + full_batch + " changed while it was read");
      }
    }
  });
  if (!read.version) return std::nullopt;
  return assemble(sku, std::move(read));
}

Product SqlProductRepository::assemble(const std::string& sku, ProductRead read) {
  auto& [version, state, order, batches, holds, priorities, priorities_version, unused_hold_id] =
      read;
  if (unused_hold_id) unused_hold_ids_.insert(std::move(*unused_hold_id));
  order.put_on(batches, sku);
  state.released = std::move(order.released);
  // Only its batches' warehouses: a batch this unit of work adds in another one serves only
  // waiting lines no loaded batch has room for, so that warehouse's priority decides nothing.
  state.priorities = domain::WarehousePriorities(std::move(priorities));
  // The queue is read on demand, during this unit of work only (on its transaction).
  state.backorders = domain::BackorderQueue(
      [this, sku](std::int64_t after, int max_qty) { return waiting_lines(sku, after, max_qty); },
      std::move(order.waiting));
  state.holds = domain::Holds(std::move(holds),
                              [this, sku](domain::Instant now) { return expired_holds(sku, now); });
  Product product(sku, std::move(batches), *version, std::move(state));
  remember_loaded(product, priorities_version);
  return product;
}

void SqlProductRepository::remember_loaded(const Product& product,
                                           std::optional<long long> priorities_version) {
  LoadedProduct& loaded = loaded_[product.sku()];
  loaded.priorities_version = priorities_version;
  loaded.batches.clear();
  for (const Batch& batch : product.batches()) {
    loaded.batches[batch.reference()] = {batch.purchased_quantity(), batch.allocated_quantity(),
                                         batch.reserved_quantity(), batch.loaded_lines()};
  }
  loaded.holds.clear();
  for (const domain::Hold& hold : product.holds().live()) loaded.holds.try_emplace(hold.id(), hold);
  loaded.released = product.released_lines().size();
  loaded.policy = product.policy();
  loaded.out_of_stock = product.out_of_stock();
  loaded.version = product.version_number();
}

std::optional<long long> SqlProductRepository::priorities_version(const std::string& sku) const {
  return loaded(sku).priorities_version;
}

const SqlProductRepository::LoadedProduct& SqlProductRepository::loaded(
    const std::string& sku) const {
  static const LoadedProduct kNone;
  auto known = loaded_.find(sku);
  return known == loaded_.end() ? kNone : known->second;
}

void SqlProductRepository::save(const service_layer::TrackedProduct& tracked,
                                Connection& connection) const {
  const Product& product = tracked.product;
  const std::string& sku = product.sku();
  const int version = product.version_number();
  const int out_of_stock = product.out_of_stock() ? 1 : 0;
  const int backorders = product.policy().backorders ? 1 : 0;
  const std::optional<int>& threshold = product.policy().low_stock_threshold;
  if (tracked.is_new()) {
    // A concurrent creator makes this a unique violation: a lost race.
    connection.execute(
        "INSERT INTO products (sku, version_number, out_of_stock, backorders, low_stock_threshold)"
        " VALUES (:sku, :v, :o, :b, :t)",
        sku, version, out_of_stock, backorders, threshold);
  } else {
    const long long written = connection.execute(
        "UPDATE products SET version_number = :v, out_of_stock = :o, backorders = :b,"
        " low_stock_threshold = :t WHERE sku = :sku AND version_number = :old",
        version, out_of_stock, backorders, threshold, sku, *tracked.loaded_version);
    if (written == 0) {
      throw service_layer::ConcurrencyError("product " + sku + " changed since it was read");
    }
  }
  const LoadedProduct& loaded_product = loaded(sku);
  const LoadedBatches& before = loaded_product.batches;
  const auto lines_before = [&](const std::string& reference) -> const std::vector<OrderLine>& {
    static const std::vector<OrderLine> kEmpty;
    auto it = before.find(reference);
    return it == before.end() ? kEmpty : it->second.lines;
  };

  // Rows of lines that moved (off a batch, out of the queue) are deleted first. A part of a split
  // line that grew is deleted too, with any other row of it in the batch, and written again.
  for (const Batch& batch : product.batches()) {
    for (const OrderLine& line : lines_before(batch.reference())) {
      if (contains(batch.loaded_lines(), line)) continue;
      connection.execute(
          "DELETE FROM allocations WHERE orderid = :o AND sku = :s AND batchref = :b",
          line.orderid(), sku, batch.reference());
    }
  }
  for (const std::int64_t seq : product.backorders().left()) {
    connection.execute("DELETE FROM allocations WHERE id = :seq AND state = 1",
                       static_cast<long long>(seq));
  }
  for (const Batch& batch : product.batches()) {
    const std::string& reference = batch.reference();
    const int purchased = batch.purchased_quantity(), allocated = batch.allocated_quantity();
    auto was = before.find(reference);
    if (was == before.end()) {
      connection.execute(
          "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity,"
          " reserved_quantity, warehouse, expires) VALUES (:r, :s, :p, :e, :a, :h, :w, :x)",
          reference, sku, purchased, stored_date(batch.eta()), allocated, batch.reserved_quantity(),
          batch.warehouse(), stored_date(batch.expires()));
    } else if (was->second.purchased_quantity != purchased ||
               was->second.allocated_quantity != allocated ||
               was->second.reserved_quantity != batch.reserved_quantity()) {
      connection.execute(
          "UPDATE batches SET purchased_quantity = :p, allocated_quantity = :a,"
          " reserved_quantity = :h WHERE reference = :r",
          purchased, allocated, batch.reserved_quantity(), reference);
    }
    for (const OrderLine& line : batch.loaded_lines()) {
      if (contains(lines_before(reference), line)) continue;
      connection.execute(
          "INSERT INTO allocations (orderid, sku, qty, batchref, line_qty)"
          " VALUES (:o, :s, :q, :b, :l)",
          line.orderid(), sku, line.qty(), reference, line_qty_to_store(line));
    }
  }
  // Lines that joined the queue, in the order they arrived; then the lines released.
  for (const OrderLine& line : product.backorders().added()) {
    connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, state, line_qty) VALUES (:o, :s, :q, 1, :l)",
        line.orderid(), sku, line.qty(), line_qty_to_store(line));
  }
  const std::vector<OrderLine>& released = product.released_lines();
  for (std::size_t i = loaded_product.released; i < released.size(); ++i) {
    connection.execute(
        "INSERT INTO allocations (orderid, sku, qty, state, line_qty) VALUES (:o, :s, :q, 2, :l)",
        released[i].orderid(), sku, released[i].qty(), line_qty_to_store(released[i]));
  }
  save_holds(product, loaded_product, connection);
}

void SqlProductRepository::save_holds(const Product& product, const LoadedProduct& loaded,
                                      Connection& connection) const {
  // A hold made in this unit of work, live or already ended (`how`). A hold of the same id made
  // or ended meanwhile, of any product, is a lost race: an id names one hold for good. Its unique
  // index finds it, and the insert then does nothing: SQLite's violation would be an error of the
  // statement, not a race to run again. (Not an INSERT ... SELECT checking the table first:
  // SQLite copies such a SELECT into a temporary table before inserting into the table it reads,
  // which doubled the insert's cost, docs/performance.md.)
  const auto insert = [&](const domain::Hold& hold, const std::optional<std::string>& how) {
    if (connection.execute(
            "INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s, ended)"
            " VALUES (:id, :s, :b, :q, :e, :t, :how) ON CONFLICT (id) DO NOTHING",
            hold.id(), hold.sku(), hold.batchref(), hold.qty(), stored_instant(hold.expires_at()),
            static_cast<int>(hold.ttl().count()), how) == 0) {
      throw service_layer::ConcurrencyError("reservation " + hold.id() + " taken meanwhile");
    }
  };
  // An ended hold keeps its row, and so its id, marked with how it ended; as it was when it
  // ended (moved or shrunk by a batch's change in this unit of work, say).
  for (const domain::EndedHold& ended : product.holds().ended()) {
    const domain::Hold& hold = ended.hold;
    const std::string how = ended_name(ended.how);
    auto was = loaded.holds.find(hold.id());
    if (was == loaded.holds.end()) {
      insert(hold, how);
    } else if (was->second == hold) {
      // The mark alone (expired, released or used as stored: the common case): SQLite then
      // leaves the batch's key, and the check of its foreign key, alone.
      connection.execute("UPDATE reservations SET ended = :how WHERE id = :id", how, hold.id());
    } else {
      connection.execute(
          "UPDATE reservations SET ended = :how, batchref = :b, qty = :q, expires_at = :e"
          " WHERE id = :id",
          how, hold.batchref(), hold.qty(), stored_instant(hold.expires_at()), hold.id());
    }
  }
  for (const domain::Hold& hold : product.holds().live()) {
    auto was = loaded.holds.find(hold.id());
    if (was == loaded.holds.end()) {
      insert(hold, std::nullopt);
    } else if (was->second != hold) {
      connection.execute("UPDATE reservations SET batchref = :b, expires_at = :e WHERE id = :id",
                         hold.batchref(), stored_instant(hold.expires_at()), hold.id());
    }
  }
}

namespace {

// Whether a product's own row, its queue and its released lines are as loaded.
template <class Loaded>
bool same_product_row(const Product& product, const Loaded& loaded) {
  return product.backorders().left().empty() && product.backorders().added().empty() &&
         product.released_lines().size() == loaded.released && product.policy() == loaded.policy &&
         product.out_of_stock() == loaded.out_of_stock;
}

// The same, with no hold ended, and `more_holds` live holds more.
template <class Loaded>
bool same_but_batches(const Product& product, const Loaded& loaded, std::size_t more_holds) {
  return same_product_row(product, loaded) && product.holds().ended().empty() &&
         product.holds().live().size() == loaded.holds.size() + more_holds;
}

}  // namespace

const Batch* SqlProductRepository::only_new_line(
    const service_layer::TrackedProduct& tracked) const {
  const Product& product = tracked.product;
  if (tracked.is_new() || !loaded_.contains(product.sku())) return nullptr;
  const LoadedProduct& loaded_product = loaded(product.sku());
  if (!same_but_batches(product, loaded_product, 0)) return nullptr;
  const LoadedBatches& before = loaded_product.batches;
  const Batch* changed = nullptr;
  for (const Batch& batch : tracked.product.batches()) {
    auto was = before.find(batch.reference());
    if (was == before.end() || was->second.purchased_quantity != batch.purchased_quantity() ||
        was->second.reserved_quantity != batch.reserved_quantity())
      return nullptr;
    const std::vector<OrderLine>& lines = batch.loaded_lines();
    if (lines == was->second.lines) continue;
    // Changed: must be the lines it had, in order, and one more, a whole one (the statement
    // writes no part of a split line).
    if (changed || lines.size() != was->second.lines.size() + 1 || lines.back().is_part() ||
        !std::equal(was->second.lines.begin(), was->second.lines.end(), lines.begin())) {
      return nullptr;
    }
    changed = &batch;
  }
  return changed;
}

const domain::Hold* SqlProductRepository::only_new_hold(
    const service_layer::TrackedProduct& tracked) const {
  const Product& product = tracked.product;
  if (tracked.is_new() || !loaded_.contains(product.sku())) return nullptr;
  const LoadedProduct& loaded_product = loaded(product.sku());
  if (!same_but_batches(product, loaded_product, 1)) return nullptr;
  const domain::Hold* added = nullptr;
  for (const domain::Hold& hold : product.holds().live()) {
    auto was = loaded_product.holds.find(hold.id());
    if (was == loaded_product.holds.end()) {
      added = &hold;
    } else if (was->second != hold) {
      return nullptr;
    }
  }
  if (!added) return nullptr;
  for (const Batch& batch : product.batches()) {
    auto was = loaded_product.batches.find(batch.reference());
    const int held = batch.reference() == added->batchref() ? added->qty() : 0;
    if (was == loaded_product.batches.end() ||
        was->second.purchased_quantity != batch.purchased_quantity() ||
        was->second.allocated_quantity != batch.allocated_quantity() ||
        was->second.reserved_quantity + held != batch.reserved_quantity() ||
        was->second.lines != batch.loaded_lines()) {
      return nullptr;
    }
  }
  return added;
}

const domain::Hold* SqlProductRepository::only_hold_made_line(
    const service_layer::TrackedProduct& tracked) const {
  const Product& product = tracked.product;
  if (tracked.is_new() || !loaded_.contains(product.sku())) return nullptr;
  const LoadedProduct& loaded_product = loaded(product.sku());
  const auto& ended = product.holds().ended();
  if (!same_product_row(product, loaded_product) || ended.size() != 1 ||
      ended.front().how != domain::HoldEnd::consumed ||
      !loaded_product.holds.contains(ended.front().hold.id()) ||
      product.holds().live().size() + 1 != loaded_product.holds.size()) {
    return nullptr;
  }
  const domain::Hold& consumed = ended.front().hold;
  for (const domain::Hold& hold : product.holds().live()) {
    auto was = loaded_product.holds.find(hold.id());
    if (was == loaded_product.holds.end() || was->second != hold) return nullptr;
  }
  for (const Batch& batch : product.batches()) {
    auto was = loaded_product.batches.find(batch.reference());
    if (was == loaded_product.batches.end() ||
        was->second.purchased_quantity != batch.purchased_quantity()) {
      return nullptr;
    }
    const std::vector<OrderLine>& lines = batch.loaded_lines();
    if (batch.reference() != consumed.batchref()) {
      if (was->second.reserved_quantity != batch.reserved_quantity() ||
          was->second.allocated_quantity != batch.allocated_quantity() ||
          lines != was->second.lines) {
        return nullptr;
      }
      continue;
    }
    // The held batch: its lines and one more, that took the units it allocated more.
    if (was->second.reserved_quantity - consumed.qty() != batch.reserved_quantity() ||
        lines.size() != was->second.lines.size() + 1 || lines.back().is_part() ||
        !std::equal(was->second.lines.begin(), was->second.lines.end(), lines.begin()) ||
        was->second.allocated_quantity + lines.back().qty() != batch.allocated_quantity()) {
      return nullptr;
    }
  }
  return &consumed;
}

}  // namespace allocation::adapters::sql
