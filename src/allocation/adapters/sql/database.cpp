#include "allocation/adapters/sql/database.hpp"

#include <libpq-fe.h>
#include <soci/connection-pool.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/session.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/sqlite/buffered_log_vfs.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

using service_layer::ConcurrencyError;
using service_layer::Unavailable;

namespace {

// SQLSTATEs of a lost race: serialization failure, deadlock, unique violation (two writers
// inserting the same product or batch).
bool is_lost_race(const std::string& sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "23505";
}

// Connection exceptions, and the server shutting down or starting up.
bool is_connection_loss(const std::string& sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("57P");
}

// libpq's connection under a SOCI session of the PostgreSQL backend; null when there is none.
PGconn* postgres_connection(soci::session& session) {
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  return backend ? backend->conn_ : nullptr;
}

// libpq writes a server's notices (NOTICE: relation "schema_migrations" already exists, at every
// start) bare to stderr: they go to the log instead, where the operator chooses to see them.
void log_notice(void*, const char* message) {
  std::string_view text(message);
  while (text.ends_with('\n')) text.remove_suffix(1);
  spdlog::debug("PostgreSQL {}", text);
}

std::string postgres_target(const std::string& url) {
  // A server that does not answer must not hang start-up or a request for minutes.
  if (url.find("connect_timeout=") != std::string::npos) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=5";
}

// How long a SQLite connection waits for another's lock before it answers "database is locked".
constexpr std::chrono::milliseconds kSqliteBusyTimeout{10'000};

// Turning a new database's journal to WAL takes an exclusive lock. When another connection
// holds a lock meanwhile (processes that create one database together), SQLite answers "database
// is locked" at once instead of waiting the busy timeout, since waiting while holding its own
// shared lock could deadlock: tried again here, for as long as the busy timeout.
void use_write_ahead_log(soci::session& session) {
  const auto give_up = std::chrono::steady_clock::now() + kSqliteBusyTimeout;
  for (;;) {
    try {
      session << "PRAGMA journal_mode = WAL";
      return;
    } catch (const soci::sqlite3_soci_error& error) {
      if ((error.result() & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up)
        throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

Database::Database(std::string_view url, DatabaseOptions options) : options_(options) {
  const DatabaseUrl parsed = parse_database_url(url);
  backend_ = parsed.backend;
  // The service's own SQLite connections write their log through the buffered VFS; the
  // process's other SQLite connections (a test's, a tool's) are left as they were.
  target_ = backend_ == Backend::postgresql
                ? postgres_target(parsed.target)
                : sqlite_uri(parsed.target, register_buffered_log_vfs());
  if (options_.pool_size < 1) throw std::invalid_argument("database pool size must be >= 1");
  pool_ = std::make_unique<soci::connection_pool>(options_.pool_size);
  for (int i = 0; i < options_.pool_size; ++i)
    statements_.push_back(std::make_unique<StatementCache>(backend_));
  const auto open_at = [&](int position) {
    try {
      open(pool_->at(position));
    } catch (const soci::soci_error& error) {
      throw Unavailable("cannot open database " + without_password(url) + ": " +
                        error.get_error_message());
    }
  };
  open_at(0);  // alone: an unreachable database is one error, and SQLite creates the file
  if (backend_ == Backend::postgresql) {
    // Each connection costs round trips and an authentication: side by side, 16 take about as
    // long as one. Opened one after the other, they were most of the time to start.
    std::vector<std::future<void>> others;
    for (int i = 1; i < options_.pool_size; ++i)
      others.push_back(std::async(std::launch::async, open_at, i));
    for (auto& opened : others) opened.get();  // rethrows a failure, after all are done
  } else {
    for (int i = 1; i < options_.pool_size; ++i) open_at(i);
  }
}

Database::~Database() = default;

void Database::open(soci::session& session) const {
  if (backend_ == Backend::sqlite) {
    session.open(*soci::factory_sqlite3(), "db=" + target_);
  } else {
    session.open(*soci::factory_postgresql(), target_);
  }
  configure(session);
}

void Database::configure(soci::session& session) const {
  if (backend_ == Backend::postgresql) {
    PQsetNoticeProcessor(postgres_connection(session), log_notice, nullptr);
    return;
  }
  // WAL: readers never wait for the writer. synchronous=FULL: a commit is on disk before it is
  // acknowledged, so an allocation answered 202 survives a power loss. Writers wait for each
  // other (busy_timeout) rather than fail with "database is locked".
  // Pages of 1 KiB (a new database's; an existing one keeps its own): an allocation changes a
  // few rows on pages far apart (its batch, its product, two indexes), and each changed page
  // goes to the log whole and is synced at the COMMIT: smaller pages, less log to write and sync
  // per group (docs/performance.md).
  session << "PRAGMA page_size = 1024";
  session << "PRAGMA busy_timeout = " << kSqliteBusyTimeout.count();
  use_write_ahead_log(session);
  session << "PRAGMA synchronous = FULL";
  session << "PRAGMA foreign_keys = ON";
}

Database::Lease::Lease(Database& database, std::size_t position)
    : database_(&database), position_(position) {
  database_->in_use_.fetch_add(1, std::memory_order_relaxed);
}

Database::Lease::Lease(Lease&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)), position_(other.position_) {}

Database::Lease::~Lease() {
  if (!database_) return;
  database_->pool_->give_back(position_);
  database_->in_use_.fetch_sub(1, std::memory_order_relaxed);
}

soci::session& Database::Lease::session() const { return database_->pool_->at(position_); }

Connection Database::Lease::connection() const {
  return Connection(session(), *database_->statements_[position_]);
}

Database::PoolStats Database::pool_stats() const {
  return {options_.pool_size, in_use_.load(std::memory_order_relaxed),
          waits_.load(std::memory_order_relaxed), timeouts_.load(std::memory_order_relaxed)};
}

Database::Lease Database::acquire() {
  std::size_t position = 0;
  if (!pool_->try_lease(position, 0)) {
    waits_.fetch_add(1, std::memory_order_relaxed);
    if (!pool_->try_lease(position, static_cast<int>(options_.acquire_timeout.count()))) {
      timeouts_.fetch_add(1, std::memory_order_relaxed);
      throw Unavailable("no database connection became free in time");
    }
  }
  Lease lease(*this, position);
  if (!connection_ok(lease.session())) {
    try {
      reconnect(lease);
    } catch (const soci::soci_error& error) {
      throw Unavailable(std::string("database unreachable: ") + error.get_error_message());
    }
  }
  return lease;
}

void Database::translate_errors(const Lease& lease, const std::function<void()>& work) const {
  translate_errors(lease.session(), work);
}

std::unique_ptr<soci::session> Database::connect() const {
  auto session = std::make_unique<soci::session>();
  try {
    open(*session);
  } catch (const soci::soci_error& error) {
    throw Unavailable("cannot open database: " + error.get_error_message());
  }
  return session;
}

void Database::translate_errors(soci::session& session, const std::function<void()>& work) const {
  try {
    work();
  } catch (const soci::postgresql_soci_error& error) {
    const std::string state = error.sqlstate();
    if (is_lost_race(state)) throw ConcurrencyError(error.get_error_message());
    if (is_connection_loss(state) || !connection_ok(session)) {
      throw Unavailable("database connection lost: " + error.get_error_message());
    }
    throw;
  } catch (const soci::sqlite3_soci_error& error) {
    switch (error.result() & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        throw ConcurrencyError(error.get_error_message());
      case SQLITE_IOERR:
      case SQLITE_FULL:
      case SQLITE_CANTOPEN:
      case SQLITE_READONLY:
        throw Unavailable("database unusable: " + error.get_error_message());
      default:
        throw;
    }
  } catch (const soci::soci_error& error) {
    if (!connection_ok(session)) {
      throw Unavailable("database connection lost: " + error.get_error_message());
    }
    throw;
  }
}

void Database::execute_first(const Lease& lease, const std::string& sql) const {
  run_first(lease, [&] { lease.session() << sql; });
}

void Database::run_first(const Lease& lease, const std::function<void()>& work) const {
  soci::session& session = lease.session();
  try {
    work();
    return;
  } catch (const soci::soci_error&) {
    if (connection_ok(session)) translate_errors(lease, [] { throw; });
  }
  // The connection died while idle (the server restarted): one fresh connection, one more try.
  translate_errors(lease, [&] {
    reconnect(lease);
    work();
  });
}

void Database::reconnect(const Lease& lease) const {
  statements_[lease.position_]->clear();
  lease.session().reconnect();
  configure(lease.session());
}

bool Database::connection_ok(soci::session& session) const {
  if (backend_ != Backend::postgresql) return session.get_backend() != nullptr;
  // libpq's own view, which a failed call updates: SOCI's is_connected() would send a query
  // (a round trip on every lease).
  PGconn* connection = postgres_connection(session);
  return connection && PQstatus(connection) == CONNECTION_OK;
}

bool Database::transaction_aborted(const Lease& lease) const {
  soci::session& session = lease.session();
  if (!connection_ok(session)) return true;
  return backend_ == Backend::postgresql &&
         PQtransactionStatus(postgres_connection(session)) == PQTRANS_INERROR;
}

void Database::ping() {
  auto lease = acquire();
  execute_first(lease, "SELECT 1");
}

}  // namespace allocation::adapters::sql
