#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "allocation/domain/hold.hpp"

namespace allocation::service_layer {

// How long the answer to a request with an idempotency key is kept (SPEC §8): a retry within
// it gets the first answer; after it, the key is free and the request is new.
constexpr std::chrono::hours kIdempotencyKeyLifetime{24};

// A request that carries an idempotency key: the key, a fingerprint of what was asked (a hash
// of its method, path and body) that tells a retry from another request reusing the key, and
// when it arrived.
struct KeyedRequest {
  std::string key;
  std::string fingerprint;
  domain::Instant at;

  // Answers recorded before this are expired: they count as never given.
  domain::Instant oldest_live() const { return at - kIdempotencyKeyLifetime; }
};

// The first answer given to a keyed request, as the entrypoint renders it (a status and a body),
// recorded in the transaction of the work it answers.
struct RecordedAnswer {
  int status = 0;
  std::string body;
  bool operator==(const RecordedAnswer&) const = default;
};

// An answer to record under the request's key.
struct KeyedRequestAnswer {
  KeyedRequest request;
  RecordedAnswer answer;
};

// A live answer as stored under its key, with the fingerprint of the request it answered.
struct StoredAnswer {
  std::string fingerprint;
  RecordedAnswer answer;
};

// What a keyed request is answered: the answer, and whether it was given before (a replay,
// the work not done again).
struct KeyedAnswer {
  RecordedAnswer answer;
  bool replayed = false;
};

// The key answered another request (another fingerprint) within its lifetime: 422.
class IdempotencyKeyReused : public std::runtime_error {
 public:
  explicit IdempotencyKeyReused(const std::string& key)
      : std::runtime_error("Idempotency-Key " + key +
                           " was used for another request (method, path or body) within 24 h") {}
};

}  // namespace allocation::service_layer
