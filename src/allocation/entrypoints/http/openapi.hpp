#pragma once

#include <string_view>

namespace allocation::entrypoints {

// docs/openapi.json, built into the binary (served at GET /openapi.json).
extern const std::string_view kOpenApiDocument;

}  // namespace allocation::entrypoints
