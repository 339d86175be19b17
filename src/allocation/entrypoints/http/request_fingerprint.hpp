#pragma once

#include <string>
#include <string_view>

namespace allocation::entrypoints {

// What tells a retry of a request with an idempotency key from another request reusing the key
// (SPEC §8: the same method, path and body): the SHA-256 of the three, in 64 hex digits.
std::string request_fingerprint(std::string_view method, std::string_view target,
                                std::string_view body);

}  // namespace allocation::entrypoints
