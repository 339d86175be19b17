#include "allocation/adapters/sql/migrations.hpp"

#include <soci/into.h>
#include <soci/session.h>
#include <soci/use.h>

#include <optional>
#include <vector>

namespace allocation::adapters::sql {

namespace {

// One statement of a migration, for both databases unless it names one.
struct Step {
  Step(const char* statement) : sql(statement) {}  // NOLINT: both databases, written as text
  Step(Backend backend, const char* statement) : sql(statement), only(backend) {}
  const char* sql;  // `@ID@` stands for the dialect's auto-increment key, `@SEQ@` (for_backend)
  std::optional<Backend> only;
};

struct Migration {
  int version;
  const char* description;
  std::vector<Step> statements;
};

// Append only: a migration that shipped never changes.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1,
       "products, batches, allocations, read model",
       {
           "CREATE TABLE products ("
           " sku TEXT PRIMARY KEY,"
           " version_number INTEGER NOT NULL)",
           // allocated_quantity is the sum of the batch's allocations, kept with them, so that
           // allocating reads one row per batch instead of every past allocation.
           "CREATE TABLE batches ("
           " id @ID@,"
           " reference TEXT NOT NULL UNIQUE,"
           " sku TEXT NOT NULL REFERENCES products (sku),"
           " purchased_quantity INTEGER NOT NULL CHECK (purchased_quantity >= 0),"
           " eta TEXT,"
           " allocated_quantity INTEGER NOT NULL DEFAULT 0,"
           " CHECK (allocated_quantity >= 0 AND allocated_quantity <= purchased_quantity))",
           "CREATE INDEX batches_by_sku ON batches (sku, id)",
           // id orders a batch's lines: the highest is the most recently allocated.
           "CREATE TABLE allocations ("
           " id @ID@,"
           " orderid TEXT NOT NULL,"
           " sku TEXT NOT NULL,"
           " qty INTEGER NOT NULL CHECK (qty > 0),"
           " batchref TEXT NOT NULL REFERENCES batches (reference),"
           " UNIQUE (orderid, sku))",
           "CREATE INDEX allocations_by_batch ON allocations (batchref, id)",
           "CREATE TABLE allocations_view ("
           " id @ID@,"
           " orderid TEXT NOT NULL,"
           " sku TEXT NOT NULL,"
           " batchref TEXT NOT NULL,"
           " UNIQUE (orderid, sku))",
       }},
      {2,
       "transactional outbox",
       {
           // Messages for other systems, written in the transaction of the change that raised
           // them and deleted once published: what is here is the backlog.
           "CREATE TABLE outbox ("
           " id @ID@,"
           " message_id TEXT NOT NULL UNIQUE,"
           " channel TEXT NOT NULL,"
           " payload TEXT NOT NULL)",
       }},
      {3,
       "read model kept in the write transaction, pending reallocations",
       {
           // Lines taken off a batch and not yet allocated again (UnitOfWork::
           // pending_reallocations): a crash between the two leaves them here for recovery.
           "CREATE TABLE pending_reallocations ("
           " id @ID@,"
           " orderid TEXT NOT NULL,"
           " sku TEXT NOT NULL,"
           " qty INTEGER NOT NULL)",
           "CREATE INDEX pending_reallocations_by_line ON pending_reallocations (orderid, sku)",
           // Until version 2 the view was written after the commit, and a crash in between lost
           // the row: start again from the write model, which the view now follows exactly.
           "DELETE FROM allocations_view",
           "INSERT INTO allocations_view (orderid, sku, batchref)"
           " SELECT orderid, sku, batchref FROM allocations ORDER BY id",
       }},
      {4,
       "read model as a view of allocations",
       {
           // Since version 3 the table held exactly the rows of allocations, written in the
           // same transaction: a second copy of every row and index entry, for nothing. The
           // view keeps the query side's name and shape.
           "DROP TABLE allocations_view",
           "CREATE VIEW allocations_view AS SELECT id, orderid, sku, batchref FROM allocations",
       }},
      {5,
       "outbox message ids without a unique index",
       {
           // A message id is 128 random bits: unique without an index. The index cost every
           // allocation a write to a random page of it, much of SQLite's log per commit.
           // SQLite drops a table's UNIQUE constraint only by building the table again.
           {Backend::sqlite,
            "CREATE TABLE outbox_v5 ("
            " id INTEGER PRIMARY KEY,"
            " message_id TEXT NOT NULL,"
            " channel TEXT NOT NULL,"
            " payload TEXT NOT NULL)"},
           {Backend::sqlite,
            "INSERT INTO outbox_v5 (id, message_id, channel, payload)"
            " SELECT id, message_id, channel, payload FROM outbox"},
           {Backend::sqlite, "DROP TABLE outbox"},
           {Backend::sqlite, "ALTER TABLE outbox_v5 RENAME TO outbox"},
           {Backend::postgresql, "ALTER TABLE outbox DROP CONSTRAINT outbox_message_id_key"},
       }},
      {6,
       "part two's product state: policy, running out, backorder queue, released lines",
       {
           // Set when the product records OutOfStock, cleared with BackInStock: the stock team
           // hears once per SKU, not once per refused request.
           "ALTER TABLE products ADD COLUMN out_of_stock INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE products ADD COLUMN backorders INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE products ADD COLUMN low_stock_threshold INTEGER",
           // The backorder queue: seq is the order the lines arrived in. Read by SKU in that
           // order, only lines small enough to be served (domain::BackorderQueue).
           "CREATE TABLE waiting_lines ("
           " seq @ID@,"
           " orderid TEXT NOT NULL,"
           " sku TEXT NOT NULL REFERENCES products (sku),"
           " qty INTEGER NOT NULL CHECK (qty > 0),"
           " UNIQUE (orderid, sku))",
           "CREATE INDEX waiting_lines_by_sku ON waiting_lines (sku, seq)",
           // Lines their orders released: never allocated again, listed as cancelled.
           "CREATE TABLE released_lines ("
           " id @ID@,"
           " orderid TEXT NOT NULL,"
           " sku TEXT NOT NULL,"
           " qty INTEGER NOT NULL CHECK (qty > 0),"
           " UNIQUE (orderid, sku))",
           // For the line_deallocated message of a recovered reallocation. Lines taken off
           // before this version are not known: empty.
           "ALTER TABLE pending_reallocations ADD COLUMN batchref TEXT NOT NULL DEFAULT ''",
       }},
      {7,
       "the stock ledger: movements, opened with the stock of each batch",
       {
           // Every change of a batch's quantities (SPEC §7.6), written with the change. seq
           // orders a product's movements in commit order; `at` is RFC 3339 UTC. Read by
           // (sku, seq) only: on PostgreSQL seq has no index of its own, which every
           // allocation would write to for nothing (SQLite's is the rowid, free).
           "CREATE TABLE movements ("
           " seq @SEQ@,"
           " at TEXT NOT NULL,"
           " sku TEXT NOT NULL,"
           " batchref TEXT NOT NULL,"
           " kind TEXT NOT NULL,"
           " qty INTEGER NOT NULL,"
           " orderid TEXT,"
           " reservation TEXT,"
           " reason TEXT)",
           "CREATE INDEX movements_by_sku ON movements (sku, seq)",
           // The stock there is before the ledger opens is its opening movements: each batch
           // received its purchased quantity, each line took its units. Then `verify` finds
           // the ledger accounting for all the stock right after this migration.
           {Backend::sqlite,
            "INSERT INTO movements (at, sku, batchref, kind, qty)"
            " SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), sku, reference, 'received',"
            " purchased_quantity FROM batches ORDER BY id"},
           {Backend::sqlite,
            "INSERT INTO movements (at, sku, batchref, kind, qty, orderid)"
            " SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), sku, batchref, 'allocated', -qty,"
            " orderid FROM allocations ORDER BY id"},
           {Backend::postgresql,
            "INSERT INTO movements (at, sku, batchref, kind, qty)"
            " SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
            " sku, reference, 'received', purchased_quantity FROM batches ORDER BY id"},
           {Backend::postgresql,
            "INSERT INTO movements (at, sku, batchref, kind, qty, orderid)"
            " SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
            " sku, batchref, 'allocated', -qty, orderid FROM allocations ORDER BY id"},
       }},
      {8,
       "holds (reservations)",
       {
           // The total of the batch's live holds, kept with them as allocated_quantity is.
           "ALTER TABLE batches ADD COLUMN reserved_quantity INTEGER NOT NULL DEFAULT 0"
           " CHECK (reserved_quantity >= 0"
           " AND allocated_quantity + reserved_quantity <= purchased_quantity)",
           // Live holds, expired ones included until something ends them. seq orders a batch's
           // holds (the highest is the most recent); expires_at is in milliseconds since 1970 UTC.
           "CREATE TABLE reservations ("
           " seq @ID@,"
           " id TEXT NOT NULL UNIQUE,"
           " sku TEXT NOT NULL REFERENCES products (sku),"
           " batchref TEXT NOT NULL REFERENCES batches (reference),"
           " qty INTEGER NOT NULL CHECK (qty > 0),"
           " expires_at BIGINT NOT NULL,"
           " ttl_s INTEGER NOT NULL CHECK (ttl_s > 0))",
           // A product's expired holds (sku, expires_at <= now); the products with expired
           // holds, for the sweep (expires_at <= now, then sku); a batch's holds in order.
           "CREATE INDEX reservations_by_sku ON reservations (sku, expires_at)",
           "CREATE INDEX reservations_by_expiry ON reservations (expires_at, sku)",
           "CREATE INDEX reservations_by_batch ON reservations (batchref, seq)",
           // Holds that ended, for the answers about them (410, 404) and so that an id names
           // one hold for good. ended: expired, released or consumed.
           "CREATE TABLE ended_reservations ("
           " id TEXT PRIMARY KEY,"
           " sku TEXT NOT NULL,"
           " batchref TEXT NOT NULL,"
           " qty INTEGER NOT NULL,"
           " expires_at BIGINT NOT NULL,"
           " ended TEXT NOT NULL)",
       }},
      {9,
       "SQLite: the ledger's index by SKU, kept in arrears",
       {
           // sqlite/movement_index.hpp: a movement is indexed by a later catch-up, in a batch
           // sorted by SKU, instead of with its insert. PostgreSQL keeps movements_by_sku.
           {Backend::sqlite, "DROP INDEX movements_by_sku"},
           {Backend::sqlite,
            "CREATE TABLE movement_index ("
            " sku TEXT NOT NULL,"
            " seq INTEGER NOT NULL,"
            " PRIMARY KEY (sku, seq)) WITHOUT ROWID"},
           {Backend::sqlite,
            "INSERT INTO movement_index (sku, seq) SELECT sku, seq FROM movements ORDER BY sku, "
            "seq"},
           // The last seq indexed: every movement up to it is in movement_index, none after it.
           {Backend::sqlite, "CREATE TABLE movement_index_state (upto INTEGER NOT NULL)"},
           {Backend::sqlite,
            "INSERT INTO movement_index_state (upto) SELECT COALESCE(MAX(seq), 0) FROM movements"},
       }},
      {10,
       "one row per order line: waiting and released lines join allocations",
       {
           // An order's line of a SKU is allocated (to batchref), waiting or released: one row
           // of allocations in a state, instead of a row in one of three tables. Loading a
           // product for an order reads its line in one probe of the (orderid, sku) index, not
           // three, and that index now refuses a line both waiting and allocated.
           // state: 0 allocated (batchref set), 1 waiting (id is its place in the backorder
           // queue), 2 released.
           "DROP VIEW allocations_view",
           {Backend::sqlite,
            "CREATE TABLE allocations_v10 ("
            " id INTEGER PRIMARY KEY,"
            " orderid TEXT NOT NULL,"
            " sku TEXT NOT NULL,"
            " qty INTEGER NOT NULL CHECK (qty > 0),"
            " batchref TEXT REFERENCES batches (reference),"
            " state INTEGER NOT NULL DEFAULT 0,"
            " CHECK (state IN (0, 1, 2) AND (state = 0) = (batchref IS NOT NULL)),"
            " UNIQUE (orderid, sku))"},
           {Backend::sqlite,
            "INSERT INTO allocations_v10 (id, orderid, sku, qty, batchref)"
            " SELECT id, orderid, sku, qty, batchref FROM allocations ORDER BY id"},
           {Backend::sqlite, "DROP TABLE allocations"},
           {Backend::sqlite, "ALTER TABLE allocations_v10 RENAME TO allocations"},
           {Backend::sqlite, "CREATE INDEX allocations_by_batch ON allocations (batchref, id)"},
           {Backend::postgresql, "ALTER TABLE allocations ALTER COLUMN batchref DROP NOT NULL"},
           {Backend::postgresql,
            "ALTER TABLE allocations ADD COLUMN state INTEGER NOT NULL DEFAULT 0"
            " CHECK (state IN (0, 1, 2) AND (state = 0) = (batchref IS NOT NULL))"},
           // The queue keeps its order: waiting lines get ids in the order they arrived.
           "INSERT INTO allocations (orderid, sku, qty, state)"
           " SELECT orderid, sku, qty, 1 FROM waiting_lines ORDER BY seq",
           "INSERT INTO allocations (orderid, sku, qty, state)"
           " SELECT orderid, sku, qty, 2 FROM released_lines ORDER BY id",
           "DROP TABLE waiting_lines",
           "DROP TABLE released_lines",
           // The backorder queue: a SKU's waiting lines in the order they arrived.
           "CREATE INDEX allocations_waiting ON allocations (sku, id) WHERE state = 1",
           "CREATE VIEW allocations_view AS SELECT id, orderid, sku, batchref FROM allocations"
           " WHERE state = 0",
       }},
      {11,
       "warehouses and expiry dates",
       {
           // Where a batch is kept and until when its stock keeps (SPEC §6). A batch that names
           // no warehouse is in `main`; one with no expiry date keeps.
           "ALTER TABLE batches ADD COLUMN warehouse TEXT NOT NULL DEFAULT 'main'",
           "ALTER TABLE batches ADD COLUMN expires TEXT",
           // The shop's ranking of its warehouses: only those configured; any other has 100.
           // Read with each product (a join on its batches' warehouses), so that changing a
           // priority touches no product.
           "CREATE TABLE warehouses ("
           " id TEXT PRIMARY KEY,"
           " priority INTEGER NOT NULL)",
       }},
      {12,
       "lines split across batches",
       {
           // A line split across batches (SPEC §6) is a row per part, each with the line's qty
           // in line_qty (NULL for a whole line), so (orderid, sku) no longer names one row: its
           // unique constraint gives way to an index. That an order has one line of a product
           // stays the Product aggregate's rule; every change to a product's lines moves its
           // version, and a concurrent change fails on it.
           "DROP VIEW allocations_view",
           {Backend::sqlite,
            "CREATE TABLE allocations_v12 ("
            " id INTEGER PRIMARY KEY,"
            " orderid TEXT NOT NULL,"
            " sku TEXT NOT NULL,"
            " qty INTEGER NOT NULL CHECK (qty > 0),"
            " batchref TEXT REFERENCES batches (reference),"
            " state INTEGER NOT NULL DEFAULT 0,"
            " line_qty INTEGER CHECK (line_qty > qty),"
            " CHECK (state IN (0, 1, 2) AND (state = 0) = (batchref IS NOT NULL)))"},
           {Backend::sqlite,
            "INSERT INTO allocations_v12 (id, orderid, sku, qty, batchref, state)"
            " SELECT id, orderid, sku, qty, batchref, state FROM allocations ORDER BY id"},
           {Backend::sqlite, "DROP TABLE allocations"},
           {Backend::sqlite, "ALTER TABLE allocations_v12 RENAME TO allocations"},
           {Backend::sqlite, "CREATE INDEX allocations_by_batch ON allocations (batchref, id)"},
           {Backend::sqlite,
            "CREATE INDEX allocations_waiting ON allocations (sku, id) WHERE state = 1"},
           {Backend::postgresql,
            "ALTER TABLE allocations DROP CONSTRAINT allocations_orderid_sku_key"},
           {Backend::postgresql,
            "ALTER TABLE allocations ADD COLUMN line_qty INTEGER CHECK (line_qty > qty)"},
           "CREATE INDEX allocations_by_line ON allocations (orderid, sku)",
           "CREATE VIEW allocations_view AS SELECT id, orderid, sku, batchref FROM allocations"
           " WHERE state = 0",
           // A part taken off is allocated again alone.
           "ALTER TABLE pending_reallocations ADD COLUMN line_qty INTEGER",
       }},
      {13,
       "broker messages applied",
       {
           // A broker delivers at least once, and another process may get a message again
           // (its consumer died before acknowledging it): the ids of those applied, written in
           // the transaction that applies them.
           "CREATE TABLE applied_messages ("
           " message_id TEXT PRIMARY KEY,"
           " applied_at TEXT NOT NULL)",
       }},
      {14,
       "answers to requests with an idempotency key",
       {
           // The first answer to a request with an Idempotency-Key (SPEC §8), written in the
           // transaction of its work: fingerprint is the SHA-256 of its method, path and body;
           // recorded_at is in milliseconds since 1970 UTC, what the 24 h lifetime counts from.
           "CREATE TABLE idempotency_keys ("
           " key TEXT PRIMARY KEY,"
           " fingerprint TEXT NOT NULL,"
           " status INTEGER NOT NULL,"
           " body TEXT NOT NULL,"
           " recorded_at BIGINT NOT NULL)",
           "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (recorded_at)",
       }},
      {15,
       "allocations checked without a temporary table",
       {
           // SQLite codes `state IN (0, 1, 2)` in a CHECK as a temporary B-tree of the three
           // values, built and dropped again at every row written: about a tenth of an
           // allocation's instructions. Three comparisons check the same. The table is built
           // again as SQLite's ALTER TABLE cannot change a CHECK; PostgreSQL's `IN` is an array
           // test and stays.
           {Backend::sqlite, "DROP VIEW allocations_view"},
           {Backend::sqlite,
            "CREATE TABLE allocations_v15 ("
            " id INTEGER PRIMARY KEY,"
            " orderid TEXT NOT NULL,"
            " sku TEXT NOT NULL,"
            " qty INTEGER NOT NULL CHECK (qty > 0),"
            " batchref TEXT REFERENCES batches (reference),"
            " state INTEGER NOT NULL DEFAULT 0,"
            " line_qty INTEGER CHECK (line_qty > qty),"
            " CHECK ((state = 0 OR state = 1 OR state = 2)"
            " AND (state = 0) = (batchref IS NOT NULL)))"},
           {Backend::sqlite,
            "INSERT INTO allocations_v15 (id, orderid, sku, qty, batchref, state, line_qty)"
            " SELECT id, orderid, sku, qty, batchref, state, line_qty FROM allocations ORDER BY "
            "id"},
           {Backend::sqlite, "DROP TABLE allocations"},
           {Backend::sqlite, "ALTER TABLE allocations_v15 RENAME TO allocations"},
           {Backend::sqlite, "CREATE INDEX allocations_by_batch ON allocations (batchref, id)"},
           {Backend::sqlite,
            "CREATE INDEX allocations_waiting ON allocations (sku, id) WHERE state = 1"},
           {Backend::sqlite, "CREATE INDEX allocations_by_line ON allocations (orderid, sku)"},
           {Backend::sqlite,
            "CREATE VIEW allocations_view AS SELECT id, orderid, sku, batchref FROM allocations"
            " WHERE state = 0"},
       }},
      {16,
       "SQLite: the ledger's index entered a slice per group",
       {
           // The batch being entered into movement_index, a slice per group
           // (sqlite/movement_index.hpp): its last seq, and the last entry written of it.
           {Backend::sqlite,
            "ALTER TABLE movement_index_state ADD COLUMN batch_to INTEGER NOT NULL DEFAULT 0"},
           {Backend::sqlite, "ALTER TABLE movement_index_state ADD COLUMN batch_sku TEXT"},
           {Backend::sqlite, "ALTER TABLE movement_index_state ADD COLUMN batch_seq INTEGER"},
       }},
      {17,
       "a version of the warehouses' priorities",
       {
           // Moved by every change of a warehouse's priority, which moves no product's version:
           // read with a product's batches, and checked by an allocation's write that starts
           // from a product this process knew instead of reading it (PostgreSQL's
           // KnownProducts), so that it never ranks warehouses as they no longer are.
           "CREATE TABLE warehouse_priorities_version (version BIGINT NOT NULL)",
           "INSERT INTO warehouse_priorities_version (version) VALUES (0)",
       }},
      {18,
       "PostgreSQL: one CHECK per table that an allocation or a hold writes",
       {
           // PostgreSQL reads each CHECK of a table from its text and plans it again at every
           // statement that writes the table (ExecRelCheck), whatever the rows: an allocation's
           // statement did so for six. One CHECK per table tests the same rows: each of these
           // is the AND of the ones it replaces, which fails exactly when one of them fails
           // (a NULL passes both ways). SQLite compiles its CHECKs with the statement, which
           // the statement cache keeps: it keeps them as they are.
           {Backend::postgresql,
            "DO $$ DECLARE c RECORD; BEGIN"
            " FOR c IN SELECT t.relname, k.conname FROM pg_constraint k"
            "  JOIN pg_class t ON t.oid = k.conrelid"
            "  JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()"
            "  WHERE k.contype = 'c' AND t.relname IN ('batches', 'allocations', 'reservations')"
            " LOOP"
            "  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, c.conname);"
            " END LOOP; END $$"},
           {Backend::postgresql,
            "ALTER TABLE batches ADD CONSTRAINT batches_quantities"
            " CHECK (allocated_quantity >= 0 AND reserved_quantity >= 0"
            " AND allocated_quantity + reserved_quantity <= purchased_quantity)"},
           {Backend::postgresql,
            "ALTER TABLE allocations ADD CONSTRAINT allocations_line"
            " CHECK (qty > 0 AND line_qty > qty AND state >= 0 AND state <= 2"
            " AND (state = 0) = (batchref IS NOT NULL))"},
           {Backend::postgresql,
            "ALTER TABLE reservations ADD CONSTRAINT reservations_hold"
            " CHECK (qty > 0 AND ttl_s > 0)"},
       }},
      {19,
       "live and ended holds in one table",
       {
           // A hold that ends stays where it is, marked: ended is NULL while it is live, then
           // expired, released or consumed. Ending it was a delete from reservations (a row and
           // its five index entries) and an insert into ended_reservations (two more b-trees); a
           // checkout's second step now writes one column. The indexes that find live holds
           // leave the ended ones out, and the unique id spans both: an id names one hold for
           // good. An ended hold of before has no ttl_s. (Measured in docs/performance.md.)
           {Backend::sqlite,
            "CREATE TABLE reservations_v19 ("
            " seq INTEGER PRIMARY KEY,"
            " id TEXT NOT NULL UNIQUE,"
            " sku TEXT NOT NULL REFERENCES products (sku),"
            " batchref TEXT NOT NULL REFERENCES batches (reference),"
            " qty INTEGER NOT NULL CHECK (qty > 0),"
            " expires_at BIGINT NOT NULL,"
            " ttl_s INTEGER CHECK (ttl_s > 0),"
            " ended TEXT)"},
           {Backend::sqlite,
            "INSERT INTO reservations_v19 (seq, id, sku, batchref, qty, expires_at, ttl_s)"
            " SELECT seq, id, sku, batchref, qty, expires_at, ttl_s FROM reservations ORDER BY "
            "seq"},
           {Backend::sqlite, "DROP TABLE reservations"},
           {Backend::sqlite, "ALTER TABLE reservations_v19 RENAME TO reservations"},
           {Backend::postgresql,
            "ALTER TABLE reservations ADD COLUMN ended TEXT, ALTER COLUMN ttl_s DROP NOT NULL"},
           // seq orders a batch's holds and is a key of nothing: no index of its own to write.
           {Backend::postgresql, "ALTER TABLE reservations DROP CONSTRAINT reservations_pkey"},
           {Backend::postgresql, "DROP INDEX reservations_by_sku"},
           {Backend::postgresql, "DROP INDEX reservations_by_expiry"},
           {Backend::postgresql, "DROP INDEX reservations_by_batch"},
           "INSERT INTO reservations (id, sku, batchref, qty, expires_at, ended)"
           " SELECT id, sku, batchref, qty, expires_at, ended FROM ended_reservations ORDER BY id",
           "DROP TABLE ended_reservations",
           // The live holds expired anywhere (the sweep's), and a batch's: a product's expired
           // holds are read batch by batch, a batch's every hold sorted by seq when read. No
           // index by SKU (reservations_by_sku was one more b-tree for every hold to write).
           "CREATE INDEX reservations_by_expiry ON reservations (expires_at, sku)"
           " WHERE ended IS NULL",
           "CREATE INDEX reservations_by_batch ON reservations (batchref, expires_at)"
           " WHERE ended IS NULL",
       }},
  };
  return all;
}

void replace_all(std::string& sql, std::string_view from, std::string_view to) {
  for (auto at = sql.find(from); at != std::string::npos; at = sql.find(from, at + to.size())) {
    sql.replace(at, from.size(), to);
  }
}

std::string for_backend(const char* statement, Backend backend) {
  std::string sql = statement;
  const bool sqlite = backend == Backend::sqlite;
  replace_all(sql, "@ID@",
              sqlite ? "INTEGER PRIMARY KEY" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY");
  // An increasing number that is not a key of its own (no index to write on PostgreSQL; on
  // SQLite the rowid, which costs nothing).
  replace_all(sql, "@SEQ@", sqlite ? "INTEGER PRIMARY KEY" : "BIGINT GENERATED ALWAYS AS IDENTITY");
  return sql;
}

}  // namespace

int latest_schema_version() { return migrations().back().version; }

namespace {

// The schema's version read without taking the write lock; nullopt when it cannot be read
// that way (no schema yet), which the locked path then sorts out.
std::optional<int> version_read_alone(Database& database) {
  try {
    auto lease = database.acquire();
    int version = 0;
    soci::indicator found = soci::i_null;
    database.run_first(lease, [&] {
      lease.session() << "SELECT MAX(version) FROM schema_migrations", soci::into(version, found);
    });
    if (found == soci::i_null) return std::nullopt;
    return version;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

int migrate(Database& database, int up_to) {
  // On SQLite most starts find the schema up to date: they only read its version. Taking the
  // write lock to find that out made a process starting beside a busy one wait for the lock, and
  // give up after the busy timeout (found by the fault run). PostgreSQL's migration lock is
  // taken by migrations alone, and readers never wait.
  if (const auto current =
          database.backend() == Backend::sqlite ? version_read_alone(database) : std::nullopt;
      current && *current >= up_to) {
    if (*current > latest_schema_version()) throw SchemaTooNew(*current, latest_schema_version());
    return *current;
  }
  auto lease = database.acquire();
  soci::session& session = lease.session();
  int version = 0;
  database.translate_errors(lease, [&] {
    if (database.backend() == Backend::sqlite) {
      database.execute_first(lease, "BEGIN IMMEDIATE");
    } else {
      database.execute_first(lease, "BEGIN");
      // Serialises processes migrating at once; released at commit.
      session << "SELECT pg_advisory_xact_lock(7283190)";
    }
    try {
      session << "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY, description TEXT NOT NULL)";
      soci::indicator found = soci::i_null;
      session << "SELECT MAX(version) FROM schema_migrations", soci::into(version, found);
      if (found == soci::i_null) version = 0;
      if (version > latest_schema_version()) throw SchemaTooNew(version, latest_schema_version());
      for (const Migration& migration : migrations()) {
        if (migration.version <= version || migration.version > up_to) continue;
        for (const Step& step : migration.statements) {
          if (step.only && step.only != database.backend()) continue;
          session << for_backend(step.sql, database.backend());
        }
        std::string description = migration.description;
        session << "INSERT INTO schema_migrations (version, description) VALUES (:v, :d)",
            soci::use(migration.version), soci::use(description);
        version = migration.version;
      }
      session << "COMMIT";
    } catch (...) {
      try {
        session << "ROLLBACK";
      } catch (...) {
      }
      throw;
    }
  });
  return version;
}

}  // namespace allocation::adapters::sql
