#include "allocation/entrypoints/serve.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <thread>

#include "allocation/bootstrap/application.hpp"
#include "allocation/entrypoints/redis_consumer.hpp"

namespace allocation::entrypoints {

namespace {

// SIGINT and SIGTERM are blocked in every thread and taken by one that waits for them, so no
// code runs in a signal handler.
sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

int serve(const bootstrap::Settings& settings, const HttpOptions& http) {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: they inherit it

  bootstrap::Application app(settings);
  HttpApi api({app.bus(), app.read_model(), app.unit_of_work(), [&app] { app.check_health(); },
               app.metrics()},
              http);
  const int port = api.bind();
  spdlog::info("allocation serving on http://{}:{} (database {}, schema version {})", http.host,
               port, settings.database_url, app.schema_version());

  // The broker consumer, when a broker is configured; stopped (and joined) on the way out.
  std::optional<RedisConsumer> consumer;
  std::jthread consuming;
  if (app.broker()) {
    consumer.emplace(*app.broker(), app.bus());
    consuming = std::jthread([&consumer](std::stop_token stop) { consumer->run(stop); });
  }

  std::jthread relaying([&app](std::stop_token stop) { app.relay_outbox(stop); });

  std::jthread waiter([&api, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    spdlog::info("{}: finishing requests in flight, then stopping", strsignal(signal));
    api.stop();
  });
  api.serve();
  // serve() also returns if the listening socket fails: wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  relaying.request_stop();
  relaying.join();
  if (consuming.joinable()) {
    consuming.request_stop();
    consuming.join();
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace allocation::entrypoints
