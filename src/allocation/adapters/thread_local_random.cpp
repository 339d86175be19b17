#include "allocation/adapters/thread_local_random.hpp"

#include <random>

namespace allocation::adapters {

std::int64_t ThreadLocalRandom::uniform(std::int64_t low, std::int64_t high) {
  thread_local std::minstd_rand engine(std::random_device{}());
  return std::uniform_int_distribution<std::int64_t>(low, high)(engine);
}

}  // namespace allocation::adapters
