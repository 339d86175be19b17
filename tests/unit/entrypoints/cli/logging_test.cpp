#include "allocation/entrypoints/cli/logging.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace allocation::entrypoints {
namespace {

TEST(OneLine, JoinsTheLinesOfALibpqErrorAndDropsItsIndentation) {
  EXPECT_EQ(one_line("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
                     "\tIs the server running on that host and accepting TCP/IP connections?\n"),
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused; Is the "
            "server running on that host and accepting TCP/IP connections?");
}

TEST(OneLine, MakesOtherControlCharactersSpacesAndSkipsEmptyLines) {
  EXPECT_EQ(one_line("a\tb\r\n\n  \nc\x1b[31m\r"), "a b; c [31m");
  EXPECT_EQ(one_line("\n \t\n"), "");
  EXPECT_EQ(one_line("already one line"), "already one line");
}

// A log line as the formatter writes it, for a message and a level.
std::string formatted(spdlog::level::level_enum level, std::string_view message) {
  const spdlog::details::log_msg msg("allocation", level, message);
  spdlog::memory_buf_t out;
  one_line_log_formatter()->format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(LogFormatter, WritesEachEventOnOneLine) {
  const std::string line = formatted(spdlog::level::warn,
                                     "outbox: ERROR:  relation \"outbox\" does not exist\n"
                                     "LINE 1: SELECT id FROM outbox\n\t^\n");
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\t'), std::string::npos) << line;
  EXPECT_NE(line.find("[allocation] [warning] outbox: ERROR:  relation \"outbox\" does not "
                      "exist; LINE 1: SELECT id FROM outbox; ^"),
            std::string::npos)
      << line;
}

TEST(LogFormatter, KeepsAMessageOfOneLineAsItIs) {
  EXPECT_TRUE(
      formatted(spdlog::level::info, "allocation serving on http://127.0.0.1:5005")
          .ends_with("] [allocation] [info] allocation serving on http://127.0.0.1:5005\n"));
}

}  // namespace
}  // namespace allocation::entrypoints
