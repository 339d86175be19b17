#pragma once

#include <cstddef>
#include <string_view>

// The ids a client sends of its own: what is kept, logged, sent back and compared byte for
// byte must be what the client meant, and must not break a log line or a reply's header.
namespace allocation::entrypoints {

inline constexpr std::size_t kMaxRequestIdLength = 128;
inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;

// A request id (X-Request-Id) is kept when it is 1 to 128 printable ASCII characters without
// spaces.
bool is_usable_request_id(std::string_view id);

// An idempotency key (Idempotency-Key; a UUID, say) is 1 to 255 printable ASCII characters,
// spaces among them.
bool is_usable_idempotency_key(std::string_view key);

}  // namespace allocation::entrypoints
