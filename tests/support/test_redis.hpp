#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "allocation/adapters/redis/redis_connection.hpp"

namespace allocation::testing {

// The Redis server the tests share (ALLOCATION_TEST_REDIS, set by tools/run-tests.sh).
inline adapters::redis::RedisAddress test_redis() {
  return adapters::redis::parse_redis_url(std::getenv("ALLOCATION_TEST_REDIS"));
}

// A channel or stream name no other test, nor another run of this one, uses on that server.
inline std::string unique_redis_name(const char* name) {
  static std::atomic<int> counter = 0;
  return std::string(name) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace allocation::testing
