#include "allocation/entrypoints/serve.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <stdexcept>
#include <thread>

#include "allocation/bootstrap/application.hpp"
#include "allocation/entrypoints/redis_consumer.hpp"

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

// What runs beside the HTTP API: the consumer of change_batch_quantity when a broker is
// configured, and the outbox relay. Threads stop and are joined on destruction.
class BackgroundWork {
 public:
  explicit BackgroundWork(const bootstrap::Application& app) {
    if (app.broker()) {
      consumer_.emplace(*app.broker(), app.bus());
      consuming_ = std::jthread([this](std::stop_token stop) { consumer_->run(stop); });
    }
    relaying_ = std::jthread([&app](std::stop_token stop) { app.relay_outbox(stop); });
  }

 private:
  std::optional<RedisConsumer> consumer_;
  // Declared after what they use: destroyed, so stopped and joined, first.
  std::jthread consuming_;
  std::jthread relaying_;
};

// What a process that died after a commit left undone, before taking new work.
void recover(const bootstrap::Application& app) {
  if (const auto count = app.bus().recover()) spdlog::info("recovered {} reallocations", count);
}

}  // namespace

int serve(const bootstrap::Settings& settings, const HttpOptions& http) {
  const sigset_t signals = block_stop_signals();
  bootstrap::Application app(settings);
  recover(app);
  HttpApi api({app.bus(), app.read_model(), app.unit_of_work(), [&app] { app.check_health(); },
               app.metrics()},
              http);
  const int port = api.bind();
  spdlog::info("allocation serving on http://{}:{} (database {}, schema version {})", http.host,
               port, settings.database_url, app.schema_version());
  BackgroundWork background(app);

  std::jthread waiter([&api, &signals] {
    spdlog::info("{}: finishing requests in flight, then stopping", strsignal(wait_for(signals)));
    api.stop();
  });
  api.serve();
  // serve() also returns if the listening socket fails: wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  spdlog::info("stopped");
  return 0;
}

int work(const bootstrap::Settings& settings) {
  if (!settings.redis_url) throw std::invalid_argument("worker needs a broker: give --redis");
  const sigset_t signals = block_stop_signals();
  bootstrap::Application app(settings);
  recover(app);
  spdlog::info("allocation worker consuming and publishing on {} (database {})",
               *settings.redis_url, settings.database_url);
  {
    BackgroundWork background(app);
    spdlog::info("{}: stopping", strsignal(wait_for(signals)));
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace allocation::entrypoints
