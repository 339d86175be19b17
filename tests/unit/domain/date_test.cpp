#include "allocation/domain/date.hpp"

#include <gtest/gtest.h>

namespace allocation::domain {
namespace {

TEST(Date, ParsesAndFormatsIsoDates) {
  auto date = parse_date("2030-01-31");
  ASSERT_TRUE(date);
  EXPECT_EQ(format_date(*date), "2030-01-31");
  EXPECT_EQ(*parse_date("2024-02-29"),
            (Date{std::chrono::year{2024}, std::chrono::February, std::chrono::day{29}}));
}

TEST(Date, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_date("2030-02-30"));
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2030-13-01"));
  EXPECT_FALSE(parse_date("2030-00-10"));
  EXPECT_FALSE(parse_date("2030-01-00"));
}

TEST(Date, RejectsOtherShapes) {
  for (const char* text : {"", "2030-1-01", "2030/01/01", "20300101", "2030-01-01T00:00",
                           " 2030-01-01", "abcd-ef-gh", "+030-01-01", "2030-01-1a"}) {
    EXPECT_FALSE(parse_date(text)) << text;
  }
}

}  // namespace
}  // namespace allocation::domain
