#include "allocation/adapters/sql/sql_stock_ledger.hpp"

#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql {

std::optional<service_layer::MovementPage> SqlStockLedger::movements(std::string_view sku,
                                                                     long long after, int limit) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  const std::string s(sku);
  // One more than asked: whether another page follows.
  const long long asked = static_cast<long long>(limit) + 1;
  const bool sqlite = database_->backend() == Backend::sqlite;
  std::optional<service_layer::MovementPage> page;
  database_->run_first(lease, [&] {
    page.reset();
    if (connection.query<long long>("SELECT 1 FROM products WHERE sku = :sku", s).empty()) return;
    page.emplace();
    const auto rows =
        sqlite ? connection.query<long long, std::string, std::string, std::string, int,
                                  std::string, std::string, std::string>(
                     // The indexed movements, then the few after the watermark
                     // (sqlite/movement_index.hpp), merged in seq order. i.seq, not m.seq:
                     // then SQLite reads the index in order instead of sorting all of it.
                     // The entries of a batch being entered are past the watermark: their
                     // movements are read from the table with the rest.
                     "SELECT i.seq, m.at, m.batchref, m.kind, m.qty, m.orderid, m.reason,"
                     " m.reservation FROM movement_index i JOIN movements m ON m.seq = i.seq"
                     " WHERE i.sku = :sku AND i.seq > :after"
                     " AND i.seq <= (SELECT upto FROM movement_index_state)"
                     " UNION ALL"
                     " SELECT seq, at, batchref, kind, qty, orderid, reason, reservation"
                     " FROM movements WHERE seq > (SELECT MAX(upto, :after2)"
                     " FROM movement_index_state) AND sku = :sku2"
                     " ORDER BY 1 LIMIT :n",
                     s, after, after, s, asked)
               : connection.query<long long, std::string, std::string, std::string, int,
                                  std::string, std::string, std::string>(
                     "SELECT seq, at, batchref, kind, qty, orderid, reason, reservation"
                     " FROM movements WHERE sku = :sku AND seq > :after ORDER BY seq LIMIT :n",
                     s, after, asked);
    for (const auto& [seq, at, batchref, kind, qty, orderid, reason, reservation] : rows) {
      page->movements.push_back(
          {*seq, *at, s, *batchref, *kind, *qty, orderid, reason, reservation});
    }
    if (page->movements.size() > static_cast<std::size_t>(limit)) {
      page->movements.pop_back();
      page->next = page->movements.back().seq;
    }
  });
  return page;
}

service_layer::LedgerCheck SqlStockLedger::verify() {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  service_layer::LedgerCheck check;
  database_->run_first(lease, [&] {
    check = {};
    check.movements = *std::get<0>(
        connection.query<long long>("SELECT CAST(COUNT(*) AS BIGINT) FROM movements").at(0));
    // Per batch, stored and recomputed; a batch the movements name and batches does not has
    // stored figures of 0.
    const auto rows = connection.query<std::string, long long, long long, long long, long long,
                                       long long, long long, long long, long long>(
        "WITH m AS ("
        "  SELECT batchref,"
        "   SUM(CASE WHEN kind IN ('received', 'adjusted') THEN qty ELSE 0 END) AS purchased,"
        "   -SUM(CASE WHEN kind IN ('allocated', 'released') THEN qty ELSE 0 END)"
        "    AS allocated,"
        "   -SUM(CASE WHEN kind IN ('reserved', 'unreserved') THEN qty ELSE 0 END) AS reserved"
        "  FROM movements GROUP BY batchref),"
        " a AS (SELECT batchref, SUM(qty) AS qty FROM allocations WHERE state = 0"
        "  GROUP BY batchref),"
        " h AS (SELECT batchref, SUM(qty) AS qty FROM reservations WHERE ended IS NULL"
        "  GROUP BY batchref)"
        " SELECT b.reference, CAST(b.purchased_quantity AS BIGINT),"
        "  CAST(b.allocated_quantity AS BIGINT), CAST(COALESCE(a.qty, 0) AS BIGINT),"
        "  CAST(COALESCE(m.purchased, 0) AS BIGINT), CAST(COALESCE(m.allocated, 0) AS BIGINT),"
        "  CAST(b.reserved_quantity AS BIGINT), CAST(COALESCE(h.qty, 0) AS BIGINT),"
        "  CAST(COALESCE(m.reserved, 0) AS BIGINT)"
        " FROM batches b LEFT JOIN m ON m.batchref = b.reference"
        " LEFT JOIN a ON a.batchref = b.reference"
        " LEFT JOIN h ON h.batchref = b.reference"
        " UNION ALL"
        " SELECT m.batchref, 0, 0, 0, CAST(m.purchased AS BIGINT),"
        "  CAST(m.allocated AS BIGINT), 0, 0, CAST(m.reserved AS BIGINT) FROM m"
        " WHERE NOT EXISTS (SELECT 1 FROM batches b WHERE b.reference = m.batchref)"
        " ORDER BY 1");
    for (const auto& [ref, purchased, allocated, lines, recomputed_purchased, recomputed_allocated,
                      reserved, holds, recomputed_reserved] : rows) {
      service_layer::compare({*ref, *purchased, *allocated, *lines, *recomputed_purchased,
                              *recomputed_allocated, *reserved, *holds, *recomputed_reserved},
                             check);
    }
    if (database_->backend() == Backend::sqlite) verify_movement_index(connection, check);
  });
  return check;
}

void SqlStockLedger::verify_movement_index(Connection& connection,
                                           service_layer::LedgerCheck& check) {
  // Every movement up to the watermark has its entry, and so has each of the batch under way up
  // to its last entry written; every entry has its movement (of its SKU).
  const auto [entries, indexed, stray] =
      connection
          .query<long long, long long, long long>(
              "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM movement_index),"
              " (SELECT CAST(COUNT(*) AS BIGINT) FROM movements, movement_index_state s"
              "  WHERE seq <= s.upto OR (seq <= s.batch_to AND (sku < s.batch_sku"
              "  OR (sku = s.batch_sku AND seq <= s.batch_seq)))),"
              " (SELECT CAST(COUNT(*) AS BIGINT) FROM movement_index i WHERE NOT EXISTS"
              "  (SELECT 1 FROM movements m WHERE m.seq = i.seq AND m.sku = i.sku))")
          .at(0);
  if (*entries != *indexed) {
    check.differences.push_back({"", "movement index entries", *entries, *indexed});
  }
  if (*stray != 0) {
    check.differences.push_back({"", "movement index entries naming no movement", *stray, 0});
  }
}

}  // namespace allocation::adapters::sql
