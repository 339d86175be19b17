#include "allocation/entrypoints/http/client_ids.hpp"

#include <algorithm>

namespace allocation::entrypoints {

namespace {

// Whether `text` is 1 to `max_length` printable ASCII characters, spaces among them when
// `spaces` says so.
bool is_printable_ascii(std::string_view text, std::size_t max_length, bool spaces) {
  const char lowest = spaces ? 0x20 : 0x21;
  return !text.empty() && text.size() <= max_length &&
         std::all_of(text.begin(), text.end(), [&](char c) { return c >= lowest && c < 0x7f; });
}

}  // namespace

bool is_usable_request_id(std::string_view id) {
  return is_printable_ascii(id, kMaxRequestIdLength, /*spaces=*/false);
}

bool is_usable_idempotency_key(std::string_view key) {
  return is_printable_ascii(key, kMaxIdempotencyKeyLength, /*spaces=*/true);
}

}  // namespace allocation::entrypoints
