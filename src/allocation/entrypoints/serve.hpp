#pragma once

#include "allocation/bootstrap/settings.hpp"
#include "allocation/entrypoints/http/http_api.hpp"

namespace allocation::entrypoints {

// `allocation serve`: the HTTP API until SIGINT or SIGTERM, then stops accepting, answers the
// requests in flight and returns 0. Throws what the Application throws for bad settings.
int serve(const bootstrap::Settings& settings, const HttpOptions& http);

}  // namespace allocation::entrypoints
