#include "allocation/bootstrap/application.hpp"

#include <algorithm>
#include <cmath>

#include "allocation/adapters/cached_read_model.hpp"
#include "allocation/adapters/log_notifications.hpp"
#include "allocation/adapters/process_metrics.hpp"
#include "allocation/adapters/smtp_notifications.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "allocation/adapters/sql/migrations.hpp"
#include "allocation/adapters/sql/outbox_relay.hpp"
#include "allocation/adapters/sql/pending_reallocations.hpp"
#include "allocation/adapters/sql/sql_idempotency_keys.hpp"
#include "allocation/adapters/sql/sql_order_lines.hpp"
#include "allocation/adapters/sql/sql_pending_reallocations.hpp"
#include "allocation/adapters/sql/sql_read_model.hpp"
#include "allocation/adapters/sql/sql_reservations.hpp"
#include "allocation/adapters/sql/sql_stock_export.hpp"
#include "allocation/adapters/sql/sql_stock_ledger.hpp"
#include "allocation/adapters/sql/sql_stock_states.hpp"
#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "allocation/adapters/sql/sql_warehouses.hpp"
#include "allocation/bootstrap/bootstrap.hpp"
#include "allocation/bootstrap/build_info.hpp"

namespace allocation::bootstrap {

namespace {

std::shared_ptr<service_layer::Notifications> notifications(const Settings& settings) {
  if (!settings.smtp_url) return std::make_shared<adapters::LogNotifications>();
  if (!settings.smtp_url->starts_with("smtp://")) {
    // The database's redaction fits any scheme://user:password@ URL.
    throw std::invalid_argument("malformed SMTP URL '" +
                                adapters::sql::without_password(*settings.smtp_url) +
                                "': expected smtp://host:port");
  }
  return std::make_shared<adapters::SmtpNotifications>(adapters::SmtpSettings{
      .url = *settings.smtp_url, .from = settings.mail_from, .to = settings.mail_to});
}

std::optional<Broker> configured_broker(const Settings& settings) {
  if (!settings.broker_url) return std::nullopt;
  return Broker(*settings.broker_url, settings);
}

// The answers of the database's view kept in memory, for reads; null when the settings keep
// none.
std::shared_ptr<adapters::CachedReadModel> read_cache(
    const Settings& settings, std::shared_ptr<service_layer::ReadModel> view,
    adapters::PrometheusMetrics& metrics) {
  if (settings.read_cache_ttl_ms <= 0) return nullptr;
  auto cache = std::make_shared<adapters::CachedReadModel>(
      std::move(view),
      adapters::ReadCacheOptions{
          .ttl = std::chrono::milliseconds(settings.read_cache_ttl_ms),
          .capacity = static_cast<std::size_t>(std::max(settings.read_cache_orders, 1))});
  metrics.add_counter("allocation_read_cache_hits_total",
                      "Reads of an order's allocations answered from memory.",
                      [cache] { return static_cast<double>(cache->hits()); });
  metrics.add_counter("allocation_read_cache_misses_total",
                      "Reads of an order's allocations that asked the database.",
                      [cache] { return static_cast<double>(cache->misses()); });
  return cache;
}

// The pool's connections and waits, and the lines a dead process left to reallocate.
void add_database_metrics(adapters::PrometheusMetrics& metrics,
                          std::shared_ptr<adapters::sql::Database> database) {
  using Stats = adapters::sql::Database::PoolStats;
  const auto read = [database](auto field) {
    return [database, field] { return static_cast<double>(field(database->pool_stats())); };
  };
  metrics.add_gauge_family("allocation_db_pool_connections",
                           "The database pool's connections, leased (in_use) or free (idle).",
                           "state",
                           {{"in_use", read([](const Stats& s) { return s.in_use; })},
                            {"idle", read([](const Stats& s) { return s.size - s.in_use; })}});
  metrics.add_counter("allocation_db_pool_waits_total",
                      "Acquisitions of a connection that found none free and waited.",
                      read([](const Stats& s) { return s.waits; }));
  metrics.add_counter("allocation_db_pool_timeouts_total",
                      "Acquisitions that waited in vain (answered 503).",
                      read([](const Stats& s) { return s.timeouts; }));
  metrics.add_gauge(
      "allocation_pending_reallocations", "Lines taken off a batch and not yet allocated again.",
      [database] {
        try {
          return static_cast<double>(adapters::sql::pending_reallocations::count(*database));
        } catch (const std::exception&) {
          return std::nan("");  // the database is down: unknown
        }
      });
}

// The counters outlive nothing they are read for: the metrics hold them.
void add_broker_metrics(adapters::PrometheusMetrics& metrics,
                        std::shared_ptr<const adapters::broker::BrokerCounters> shared) {
  const adapters::broker::BrokerCounters& counters = *shared;
  const auto counter = [&](std::string name, std::string help,
                           const std::atomic<long long>& value) {
    metrics.add_counter(std::move(name), std::move(help),
                        [shared, &value] { return static_cast<double>(value.load()); });
  };
  counter("allocation_broker_published_total", "Outbox messages the broker confirmed.",
          counters.published);
  counter("allocation_broker_deliveries_total",
          "Deliveries of change_batch_quantity received, redeliveries included.",
          counters.delivered);
  counter("allocation_broker_redeliveries_total",
          "Deliveries of a message that had been delivered before.", counters.redelivered);
  counter("allocation_broker_applied_total", "Messages whose command committed.", counters.applied);
  counter("allocation_broker_duplicates_total",
          "Deliveries of messages applied already, acknowledged without applying them again.",
          counters.duplicates);
  counter("allocation_broker_dead_letters_total", "Messages given up on (dead-lettered).",
          counters.dead_letters);
  metrics.add_gauge("allocation_broker_publisher_connected",
                    "1 while the outbox relay is connected to the broker.",
                    [shared] { return shared->publisher_connected ? 1.0 : 0.0; });
  metrics.add_gauge("allocation_broker_consumer_connected",
                    "1 while the consumer of change_batch_quantity is connected to the broker.",
                    [shared] { return shared->consumer_connected ? 1.0 : 0.0; });
  metrics.add_gauge(
      "allocation_broker_consumer_lag",
      "Messages of change_batch_quantity no consumer has received yet (Redis Streams, RabbitMQ).",
      [shared] {
        const long long lag = shared->consumer_lag;
        return lag < 0 ? std::nan("") : static_cast<double>(lag);
      });
}

}  // namespace

Application::Application(const Settings& settings)
    : broker_(configured_broker(settings)),
      database_(std::make_shared<adapters::sql::Database>(
          settings.database_url,
          adapters::sql::DatabaseOptions{.pool_size = settings.database_pool})),
      schema_version_(adapters::sql::migrate(*database_)),
      metrics_(std::make_shared<adapters::PrometheusMetrics>()),
      read_model_(std::make_shared<adapters::sql::SqlReadModel>(database_)),
      order_lines_(std::make_shared<adapters::sql::SqlOrderLines>(database_)),
      pending_reallocations_(std::make_shared<adapters::sql::SqlPendingReallocations>(database_)),
      stock_ledger_(std::make_shared<adapters::sql::SqlStockLedger>(database_)),
      stock_export_(std::make_shared<adapters::sql::SqlStockExport>(database_)),
      stock_states_(std::make_shared<adapters::sql::SqlStockStates>(database_)),
      reservations_(std::make_shared<adapters::sql::SqlReservations>(database_)),
      warehouses_(std::make_shared<adapters::sql::SqlWarehouses>(database_)),
      idempotency_keys_(std::make_shared<adapters::sql::SqlIdempotencyKeys>(database_)),
      events_(std::make_shared<adapters::ServerSentEvents>()),
      clock_(std::make_shared<adapters::RealClock>()),
      random_(std::make_shared<adapters::ThreadLocalRandom>()),
      units_of_work_(adapters::sql::sql_units_of_work(database_, clock_)) {
  metrics_->add_gauge("allocation_outbox_backlog",
                      "Messages waiting in the outbox to be published.", [database = database_] {
                        try {
                          return static_cast<double>(adapters::sql::outbox_backlog(*database));
                        } catch (const std::exception&) {
                          return std::nan("");  // the database is down: unknown
                        }
                      });
  add_database_metrics(*metrics_, database_);
  adapters::add_process_metrics(*metrics_);
  if (broker_) add_broker_metrics(*metrics_, broker_->counters());
  const BuildInfo build = build_info();
  metrics_->add_info("allocation_build_info",
                     "The build that answers: its version, compiler and type.",
                     {{"version", std::string(build.version)},
                      {"compiler", std::string(build.compiler)},
                      {"build_type", std::string(build.build_type)}});
  // The view follows the write model by itself; a cache in front of it is told of each change
  // by the Allocated and Deallocated handlers.
  std::shared_ptr<service_layer::ReadModelWriter> read_model_writer;
  if (auto cache = read_cache(settings, read_model_, *metrics_)) {
    read_model_ = cache;
    read_model_writer = std::move(cache);
  }
  bus_ = std::make_unique<service_layer::MessageBus>(
      make_message_bus({.units_of_work = units_of_work_,
                        .read_model = read_model_writer,
                        .notifications = notifications(settings),
                        .publisher = nullptr,
                        .metrics = metrics_,
                        .random = random_,
                        .clock = clock_,
                        .order_lines = order_lines_,
                        .reservations = reservations_,
                        .change_feed = events_,
                        .log_stock_changes = settings.log_stock_changes}));
}

Application::~Application() = default;

void Application::check_health() const { database_->ping(); }

void Application::check_broker() const {
  if (broker_) broker_->publisher();
}

void Application::relay_outbox(std::stop_token stop) const {
  if (!broker_) return;
  adapters::sql::OutboxRelay relay(
      database_, [this] { return broker_->publisher(); }, broker_->counters());
  relay.run(stop);
}

}  // namespace allocation::bootstrap
