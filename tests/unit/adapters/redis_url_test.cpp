#include <gtest/gtest.h>

#include <stdexcept>

#include "allocation/adapters/redis/redis_connection.hpp"

namespace allocation::adapters::redis {
namespace {

TEST(RedisUrl, TakesAUserAndAPasswordBeforeTheHost) {
  const RedisAddress address = parse_redis_url("redis://:s3cret@cache.example:6380");
  EXPECT_EQ(address.host, "cache.example");
  EXPECT_EQ(address.port, 6380);
  EXPECT_EQ(address.user, "");
  EXPECT_EQ(address.password, "s3cret");

  const RedisAddress with_user = parse_redis_url("redis://app:p@ss:w0rd@cache.example/0");
  EXPECT_EQ(with_user.host, "cache.example");
  EXPECT_EQ(with_user.port, 6379);
  EXPECT_EQ(with_user.user, "app");
  EXPECT_EQ(with_user.password, "p@ss:w0rd");
}

TEST(RedisUrl, IsShownWithoutItsPassword) {
  EXPECT_EQ(without_password("redis://:s3cret@cache.example:6380"),
            "redis://:***@cache.example:6380");
  EXPECT_EQ(without_password("redis://app:p@ss:w0rd@cache.example/0"),
            "redis://app:***@cache.example/0");
  EXPECT_EQ(without_password("redis://cache.example:6380"), "redis://cache.example:6380");
  EXPECT_EQ(without_password("redis://app@cache.example"), "redis://app@cache.example");
}

TEST(RedisUrl, AMalformedOneIsNamedWithoutItsPassword) {
  try {
    parse_redis_url("redis://:s3cret@cache.example:port");
    FAIL() << "parsed a port that is not a number";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "malformed Redis URL 'redis://:***@cache.example:port': bad port");
  }
}

}  // namespace
}  // namespace allocation::adapters::redis
