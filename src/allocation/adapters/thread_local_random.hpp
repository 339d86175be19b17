#pragma once

#include "allocation/service_layer/ports/random_source.hpp"

namespace allocation::adapters {

// Draws from a pseudo-random engine of the calling thread's own, seeded from std::random_device
// when the thread first draws. Safe across threads without a lock: the object holds no state and
// no two threads ever share an engine (thread_local), and threads that collided draw apart.
// Not for secrets (minstd_rand is predictable); for spreading pauses.
class ThreadLocalRandom final : public service_layer::RandomSource {
 public:
  std::int64_t uniform(std::int64_t low, std::int64_t high) override;
};

}  // namespace allocation::adapters
