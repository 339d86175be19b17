#include "allocation/entrypoints/serve.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <stdexcept>
#include <thread>

#include "allocation/adapters/backoff.hpp"
#include "allocation/adapters/sql/database_url.hpp"
#include "allocation/bootstrap/application.hpp"
#include "allocation/entrypoints/broker_consumer.hpp"
#include "allocation/entrypoints/http/metrics_server.hpp"

namespace allocation::entrypoints {

namespace {

// SIGINT and SIGTERM are blocked in every thread and taken by one that waits for them, so no
// code runs in a signal handler. Called before any thread starts: threads inherit the mask.
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int wait_for(const sigset_t& signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

// What processes that died after a commit left undone: at start, then every `interval`, for
// those that die beside this one (replaying what a live process is still doing is harmless:
// the handlers are idempotent). The start does not wait for it: until it has run, a line taken
// off its batch shows as allocated to none, as it does while any process reallocates it.
void recover_every(const bootstrap::Application& app, std::chrono::seconds interval,
                   std::stop_token stop) {
  do {
    try {
      if (const auto count = app.bus().recover(app.pending_reallocations()))
        spdlog::info("recovered {} reallocations", count);
    } catch (const std::exception& error) {
      spdlog::warn("recovery of pending reallocations: {}", error.what());
    }
  } while (adapters::sleep_unless_stopped(stop, interval));
}

// Ends the holds whose time ran out (SPEC §7.3). Any number of processes may sweep one
// database: each product's holds end in a unit of work whose version check lets one of them win.
void sweep_reservations(const bootstrap::Application& app) {
  try {
    if (const int ended = app.bus().handle(domain::commands::ExpireReservations{})) {
      spdlog::info("expired {} reservations", ended);
    }
  } catch (const std::exception& error) {
    spdlog::warn("sweep of expired reservations: {}", error.what());
  }
}

// Forgets the answers to idempotency keys older than their lifetime (SPEC §8), a page at a
// time; an expired answer not yet forgotten is already ignored, so this only frees the space.
void sweep_idempotency_keys(const bootstrap::Application& app) {
  constexpr int kPage = 1000;
  try {
    const auto cutoff =
        service_layer::instant_now(app.clock()) - service_layer::kIdempotencyKeyLifetime;
    int forgotten = 0;
    for (int page = kPage; page == kPage;) {
      page = app.idempotency_keys().forget_before(cutoff, kPage);
      forgotten += page;
    }
    if (forgotten) spdlog::info("forgot {} expired idempotency keys", forgotten);
  } catch (const std::exception& error) {
    spdlog::warn("sweep of expired idempotency keys: {}", error.what());
  }
}

// Every `interval`, what has expired: holds, and the answers to idempotency keys.
void sweep_every(const bootstrap::Application& app, std::chrono::seconds interval,
                 std::stop_token stop) {
  while (adapters::sleep_unless_stopped(stop, interval)) {
    sweep_reservations(app);
    sweep_idempotency_keys(app);
  }
}

// GET /health/ready answers 200 only when each of these answers.
std::vector<ReadinessCheck> readiness_checks(const bootstrap::Application& app) {
  std::vector<ReadinessCheck> checks = {{"database", [&app] { app.check_health(); }}};
  if (app.broker()) checks.push_back({"broker", [&app] { app.check_broker(); }});
  return checks;
}

// What runs beside the HTTP API: the consumer of change_batch_quantity when a broker is
// configured, the outbox relay, the recovery of what dead processes left pending, and the sweep
// of what expired. Threads stop and are joined on destruction.
class BackgroundWork {
 public:
  BackgroundWork(const bootstrap::Application& app, std::chrono::seconds recovery_interval,
                 std::chrono::seconds sweep_interval) {
    if (const auto& broker = app.broker()) {
      consumer_.emplace([&broker] { return broker->consumer(kChangeBatchQuantityChannel); },
                        app.bus(), broker->max_deliveries(), *broker->counters());
      consuming_ = std::jthread([this](std::stop_token stop) { consumer_->run(stop); });
    }
    relaying_ = std::jthread([&app](std::stop_token stop) { app.relay_outbox(stop); });
    recovering_ = std::jthread([&app, recovery_interval](std::stop_token stop) {
      recover_every(app, recovery_interval, stop);
    });
    sweeping_ = std::jthread(
        [&app, sweep_interval](std::stop_token stop) { sweep_every(app, sweep_interval, stop); });
  }

 private:
  std::optional<BrokerConsumer> consumer_;
  // Declared after what they use: destroyed, so stopped and joined, first.
  std::jthread consuming_;
  std::jthread relaying_;
  std::jthread recovering_;
  std::jthread sweeping_;
};

}  // namespace

int serve(const bootstrap::Settings& settings, const HttpOptions& http) {
  const sigset_t signals = block_stop_signals();
  // Listening first: a port in use must fail before the database is created or migrated.
  HttpApi api(http);
  bootstrap::Application app(settings);
  spdlog::info("allocation serving on http://{}:{} (database {}, schema version {})", http.host,
               api.port(), adapters::sql::without_password(settings.database_url),
               app.schema_version());
  BackgroundWork background(app, std::chrono::seconds(settings.recovery_interval_seconds),
                            std::chrono::seconds(settings.reservation_sweep_seconds));

  std::jthread waiter([&api, &signals] {
    spdlog::info("{}: finishing requests in flight, then stopping", strsignal(wait_for(signals)));
    api.stop();
  });
  api.serve({app.bus(), app.read_model(), app.stock_states(), app.order_lines(), app.stock_ledger(),
             app.reservations(), app.warehouses(), app.clock(), app.random(),
             [&app] { app.check_health(); }, app.metrics(), app.events(), readiness_checks(app)});
  // serve() also returns if the listening socket fails: wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  spdlog::info("stopped");
  return 0;
}

int work(const bootstrap::Settings& settings, const MetricsEndpoint& metrics) {
  if (!settings.broker_url) {
    throw std::invalid_argument("worker needs a broker: give --broker or --redis");
  }
  const sigset_t signals = block_stop_signals();
  bootstrap::Application app(settings);
  std::optional<MetricsServer> metrics_server;
  if (metrics.port) {
    metrics_server.emplace(metrics.host, *metrics.port, app.metrics(), readiness_checks(app));
    spdlog::info("worker metrics on http://{}:{}/metrics", metrics.host, metrics_server->port());
  }
  spdlog::info("allocation worker consuming and publishing on {} (database {})",
               app.broker()->shown_url(), adapters::sql::without_password(settings.database_url));
  {
    BackgroundWork background(app, std::chrono::seconds(settings.recovery_interval_seconds),
                              std::chrono::seconds(settings.reservation_sweep_seconds));
    spdlog::info("{}: stopping", strsignal(wait_for(signals)));
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace allocation::entrypoints
