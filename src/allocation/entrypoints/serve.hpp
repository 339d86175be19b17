#pragma once

#include <optional>
#include <string>

#include "allocation/bootstrap/settings.hpp"
#include "allocation/entrypoints/http/http_api.hpp"

namespace allocation::entrypoints {

// `allocation serve`: the HTTP API until SIGINT or SIGTERM, then stops accepting, answers the
// requests in flight and returns 0. Throws what the Application throws for bad settings.
// Recovers what a process that died after a commit left undone at once, beside the serving:
// a start does not wait for it (on SQLite its writes may wait long for a busy process's lock).
int serve(const bootstrap::Settings& settings, const HttpOptions& http);

// Where `allocation worker` serves /metrics and its health (--metrics-host, --metrics-port):
// nowhere without a port.
struct MetricsEndpoint {
  std::string host = "127.0.0.1";
  std::optional<int> port;
};

// `allocation worker`: the broker consumer and the outbox relay without the HTTP API, until
// SIGINT or SIGTERM; returns 0. Throws std::invalid_argument without a broker.
int work(const bootstrap::Settings& settings, const MetricsEndpoint& metrics = {});

}  // namespace allocation::entrypoints
