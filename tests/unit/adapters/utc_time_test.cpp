#include "allocation/adapters/utc_time.hpp"

#include <gtest/gtest.h>

namespace allocation::adapters {
namespace {

using namespace std::chrono;

TEST(UtcTime, IsRfc3339InUtcToTheMillisecondAtAFixedWidth) {
  EXPECT_EQ(format_utc(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc(sys_days{year{2031} / 5 / 1} + hours{9} + milliseconds{1500}),
            "2031-05-01T09:00:01.500Z");
  EXPECT_EQ(format_utc(sys_days{year{2031} / 12 / 31} + hours{23} + minutes{59} + seconds{59} +
                       microseconds{999'999}),
            "2031-12-31T23:59:59.999Z")
      << "truncated, never rounded into the next second";
}

}  // namespace
}  // namespace allocation::adapters
