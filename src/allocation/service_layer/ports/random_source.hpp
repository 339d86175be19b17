#pragma once

#include <cstdint>

namespace allocation::service_layer {

// Port: where the service's randomness comes from, so that tests can script it. Safe to use
// from many threads.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // A number drawn uniformly from [low, high], both included; low <= high.
  virtual std::int64_t uniform(std::int64_t low, std::int64_t high) = 0;
};

}  // namespace allocation::service_layer
