#include "allocation/entrypoints/cli/csv_row.hpp"

#include <gtest/gtest.h>

namespace allocation::entrypoints {
namespace {

std::string row(std::initializer_list<std::string_view> fields) {
  std::string out;
  append_csv_row(out, fields);
  return out;
}

TEST(CsvRow, WritesPlainFieldsAsTheyAre) {
  EXPECT_EQ(row({"b1", "LAMP", "10", "", "main", ""}), "b1,LAMP,10,,main,\n");
}

TEST(CsvRow, QuotesAFieldThatHoldsACommaAQuoteOrALineBreak) {
  EXPECT_EQ(row({"b,5", "say \"hi\"", "a\nb", "c\rd"}),
            "\"b,5\",\"say \"\"hi\"\"\",\"a\nb\",\"c\rd\"\n");
}

TEST(CsvRow, QuotesAFieldThatAReaderWouldTrim) {
  EXPECT_EQ(row({" RUG", "RUG ", "\tx"}), "\" RUG\",\"RUG \",\"\tx\"\n");
}

TEST(CsvRow, AppendsToWhatIsThere) {
  std::string out = "ref,sku\n";
  append_csv_row(out, {"b1", "LAMP"});
  EXPECT_EQ(out, "ref,sku\nb1,LAMP\n");
}

}  // namespace
}  // namespace allocation::entrypoints
