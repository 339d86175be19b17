#include "allocation/domain/order_line.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace allocation::domain {
namespace {

TEST(OrderLine, IsEqualWhenAllFieldsAre) {
  EXPECT_EQ(OrderLine("o1", "LAMP", 2), OrderLine("o1", "LAMP", 2));
  EXPECT_NE(OrderLine("o1", "LAMP", 2), OrderLine("o1", "LAMP", 3));
  EXPECT_NE(OrderLine("o1", "LAMP", 2), OrderLine("o2", "LAMP", 2));
  EXPECT_NE(OrderLine("o1", "LAMP", 2), OrderLine("o1", "DESK", 2));
}

TEST(OrderLine, RejectsNonPositiveQuantityAndEmptyIds) {
  EXPECT_THROW(OrderLine("o1", "LAMP", 0), std::invalid_argument);
  EXPECT_THROW(OrderLine("o1", "LAMP", -1), std::invalid_argument);
  EXPECT_THROW(OrderLine("", "LAMP", 1), std::invalid_argument);
  EXPECT_THROW(OrderLine("o1", "", 1), std::invalid_argument);
}

}  // namespace
}  // namespace allocation::domain
