#include "allocation/domain/hold.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "allocation/domain/errors.hpp"
#include "support/print_domain.hpp"
#include "support/test_time.hpp"

namespace allocation::domain {
namespace {

using namespace std::chrono_literals;

Instant at(std::chrono::year_month_day date, std::chrono::seconds time_of_day = 0s) {
  return Instant{std::chrono::sys_days{date}} + time_of_day;
}

// --- Hold ---

TEST(Hold, KeepsWhatItWasMadeWith) {
  const Hold hold("h1", "LAMP", 4, "b1", kTestNow + 900s, 900s);
  EXPECT_EQ(hold.id(), "h1");
  EXPECT_EQ(hold.sku(), "LAMP");
  EXPECT_EQ(hold.qty(), 4);
  EXPECT_EQ(hold.batchref(), "b1");
  EXPECT_EQ(hold.expires_at(), kTestNow + 900s);
  EXPECT_EQ(hold.ttl(), 900s);
}

TEST(Hold, NeedsAnIdASkuAndABatch) {
  try {
    Hold("", "LAMP", 4, "b1", kTestNow, 900s);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "a hold needs an id");
  }
  try {
    Hold("h1", "", 4, "b1", kTestNow, 900s);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "a hold needs a sku");
  }
  try {
    Hold("h1", "LAMP", 4, "", kTestNow, 900s);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "a hold needs a batch");
  }
}

TEST(Hold, NeedsAQtyAboveZero) {
  try {
    Hold("h1", "LAMP", 0, "b1", kTestNow, 900s);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "a hold's qty must be > 0");
  }
  EXPECT_THROW(Hold("h1", "LAMP", -3, "b1", kTestNow, 900s), std::invalid_argument);
  EXPECT_NO_THROW(Hold("h1", "LAMP", 1, "b1", kTestNow, 900s));
}

TEST(Hold, NeedsATtlAboveZero) {
  try {
    Hold("h1", "LAMP", 4, "b1", kTestNow, 0s);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "a hold's ttl must be > 0");
  }
  EXPECT_THROW(Hold("h1", "LAMP", 4, "b1", kTestNow, -1s), std::invalid_argument);
  EXPECT_NO_THROW(Hold("h1", "LAMP", 4, "b1", kTestNow, 1s));
}

// The expiry is not checked against the ttl: a stored hold that was extended expires later than
// it was made with, and a hold that expired long ago is still a hold (of nothing).
TEST(Hold, TakesAnyExpiry) {
  EXPECT_NO_THROW(Hold("h1", "LAMP", 4, "b1", kTestNow - 24h, 900s));
  EXPECT_NO_THROW(Hold("h1", "LAMP", 4, "b1", kTestNow + 48h, 900s));
}

// From expires_at on, it holds nothing (SPEC §7.3).
TEST(Hold, ExpiresAtItsExpiry) {
  const Hold hold("h1", "LAMP", 4, "b1", kTestNow + 60s, 60s);
  EXPECT_FALSE(hold.expired(kTestNow));
  EXPECT_FALSE(hold.expired(kTestNow + 59s));
  EXPECT_TRUE(hold.expired(kTestNow + 60s));
  EXPECT_TRUE(hold.expired(kTestNow + 61s));
  EXPECT_TRUE(hold.expired(kTestNow + 24h));
}

TEST(Hold, IsEqualWhenAllItsDataAre) {
  const Hold hold("h1", "LAMP", 4, "b1", kTestNow, 900s);
  EXPECT_EQ(hold, Hold("h1", "LAMP", 4, "b1", kTestNow, 900s));
  EXPECT_NE(hold, Hold("h2", "LAMP", 4, "b1", kTestNow, 900s));
  EXPECT_NE(hold, Hold("h1", "DESK", 4, "b1", kTestNow, 900s));
  EXPECT_NE(hold, Hold("h1", "LAMP", 5, "b1", kTestNow, 900s));
  EXPECT_NE(hold, Hold("h1", "LAMP", 4, "b2", kTestNow, 900s));
  EXPECT_NE(hold, Hold("h1", "LAMP", 4, "b1", kTestNow + 1s, 900s));
  EXPECT_NE(hold, Hold("h1", "LAMP", 4, "b1", kTestNow, 901s));
}

// --- format_instant: RFC 3339 in UTC ---

TEST(FormatInstant, WritesRfc3339InUtcToTheMillisecond) {
  using std::chrono::December;
  using std::chrono::year;
  EXPECT_EQ(format_instant(kTestNow), "2026-12-04T00:00:00.000Z");
  EXPECT_EQ(format_instant(at(year{2026} / December / 4, 21h + 50min)), "2026-12-04T21:50:00.000Z");
  EXPECT_EQ(format_instant(kTestNow + 900s), "2026-12-04T00:15:00.000Z");
  EXPECT_EQ(format_instant(kTestNow + 23h + 59min + 59s), "2026-12-04T23:59:59.000Z");
  EXPECT_EQ(format_instant(kTestNow + 24h), "2026-12-05T00:00:00.000Z");
}

TEST(FormatInstant, PadsEveryField) {
  using std::chrono::year;
  EXPECT_EQ(format_instant(at(year{2030} / 1 / 2, 3h + 4min + 5s)), "2030-01-02T03:04:05.000Z");
  EXPECT_EQ(format_instant(at(year{987} / 6 / 7)), "0987-06-07T00:00:00.000Z");
}

TEST(FormatInstant, KnowsTheCalendar) {
  using std::chrono::year;
  EXPECT_EQ(format_instant(at(year{2028} / 2 / 28, 24h)), "2028-02-29T00:00:00.000Z");  // leap
  EXPECT_EQ(format_instant(at(year{2027} / 2 / 28, 24h)), "2027-03-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(at(year{2026} / 12 / 31, 24h)), "2027-01-01T00:00:00.000Z");
}

TEST(FormatInstant, EpochAndBeforeIt) {
  EXPECT_EQ(format_instant(Instant{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(Instant{} - 1s), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_instant(Instant{} - 1ms), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_instant(Instant{} + 250ms), "1970-01-01T00:00:00.250Z");
}

TEST(FormatInstant, TheYearsZeroToNineThousandNineHundredNinetyNine) {
  using std::chrono::year;
  EXPECT_EQ(format_instant(at(year{0} / 1 / 1)), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(at(year{9999} / 12 / 31, 23h + 59min + 59s)),
            "9999-12-31T23:59:59.000Z");
}

// The 410's message names the expiry in the same format (SPEC §7.3).
TEST(HoldExpired, NamesTheHoldAndItsExpiry) {
  const HoldExpired error("h1", kTestNow + 900s);
  EXPECT_STREQ(error.what(), "reservation h1 expired at 2026-12-04T00:15:00.000Z");
  EXPECT_EQ(error.id(), "h1");
  EXPECT_EQ(error.expires_at(), kTestNow + 900s);
}

}  // namespace
}  // namespace allocation::domain
