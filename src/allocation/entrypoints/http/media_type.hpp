#pragma once

#include <string_view>

namespace allocation::entrypoints {

// Whether a Content-Type names JSON as this service reads it: application/json or any
// application/...+json (RFC 6839), in any case, with no charset or charset=utf-8. What the
// book's clients (requests' json=), the benchmark's scripts and curl -H 'Content-Type:
// application/json' send.
bool is_json_media_type(std::string_view content_type);

}  // namespace allocation::entrypoints
