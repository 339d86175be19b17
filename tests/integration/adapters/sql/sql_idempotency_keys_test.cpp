#include "allocation/adapters/sql/sql_idempotency_keys.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using namespace std::chrono_literals;

class SqlIdempotencyKeysTest : public testing::SqlTest {
 protected:
  // An answer recorded under `key` at `at`, as a unit of work records it.
  void record(const std::string& key, domain::Instant at) {
    units_of_work->perform([&](service_layer::UnitOfWork& uow) {
      uow.record_answer({key, "f", at}, {200, "{}"});
      uow.commit();
    });
  }
  bool answered(const std::string& key, domain::Instant now) {
    bool found = false;
    units_of_work->perform([&](service_layer::UnitOfWork& uow) {
      found = uow.answer_to({key, "f", now}).has_value();
    });
    return found;
  }
};

TEST_P(SqlIdempotencyKeysTest, ForgetsTheOldestFirstUpToTheLimitAndOnlyBeforeTheCutoff) {
  record("oldest", kTestNow - 30h);
  record("old", kTestNow - 25h);
  record("live", kTestNow - 1h);
  SqlIdempotencyKeys keys(database);
  EXPECT_EQ(keys.forget_before(kTestNow - 24h, 1), 1);
  EXPECT_FALSE(answered("oldest", kTestNow - 30h));
  EXPECT_TRUE(answered("old", kTestNow - 25h));
  EXPECT_EQ(keys.forget_before(kTestNow - 24h, 10), 1);
  EXPECT_EQ(keys.forget_before(kTestNow - 24h, 10), 0);
  EXPECT_TRUE(answered("live", kTestNow));
}

TEST_P(SqlIdempotencyKeysTest, AnAnswerIsLiveFor24HoursToTheMillisecond) {
  record("k", kTestNow);
  EXPECT_TRUE(answered("k", kTestNow + 24h));
  EXPECT_FALSE(answered("k", kTestNow + 24h + 1ms));
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlIdempotencyKeysTest);

}  // namespace
}  // namespace allocation::adapters::sql
