#include "allocation/adapters/logging/log_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "allocation/adapters/logging/log_fields.hpp"

namespace allocation::adapters::logging {
namespace {

using nlohmann::json;

TEST(OneLine, JoinsTheLinesOfALibpqErrorAndDropsItsIndentation) {
  EXPECT_EQ(one_line("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
                     "\tIs the server running on that host and accepting TCP/IP connections?\n"),
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused; Is the "
            "server running on that host and accepting TCP/IP connections?");
}

TEST(OneLine, MakesEveryOtherControlCharacterASpace) {
  EXPECT_EQ(one_line("a\tb\r\n\n  \nc\x1b[31m\r"), "a b; c [31m");
  EXPECT_EQ(one_line("\n \t\n"), "");
  EXPECT_EQ(one_line("already one line"), "already one line");
}

// A log line as the formatter of `format` writes it, for a message and a level.
std::string formatted(LogFormat format, spdlog::level::level_enum level, std::string_view message) {
  const spdlog::details::log_msg msg("allocation", level, message);
  spdlog::memory_buf_t out;
  log_formatter(format)->format(msg, out);
  return std::string(out.data(), out.size());
}

std::string text_line(spdlog::level::level_enum level, std::string_view message) {
  return formatted(LogFormat::text, level, message);
}

// The JSON line's object; fails the test unless it is one line ending in a newline.
json json_line(std::string_view message, spdlog::level::level_enum level = spdlog::level::info) {
  const std::string line = formatted(LogFormat::json, level, message);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_EQ(line.back(), '\n');
  return json::parse(line);
}

TEST(TextLogFormat, WritesEachEventOnOneLine) {
  const std::string line = text_line(spdlog::level::warn,
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

TEST(TextLogFormat, KeepsAMessageOfOneLineAsItIs) {
  EXPECT_TRUE(
      text_line(spdlog::level::info, "allocation serving on http://127.0.0.1:5005")
          .ends_with("] [allocation] [info] allocation serving on http://127.0.0.1:5005\n"));
}

TEST(TextLogFormat, EndsTheLineWithTheThreadsContextWhileItIsSet) {
  {
    const ScopedLogContext context("request_id", "req-42");
    EXPECT_TRUE(text_line(spdlog::level::info, "POST /allocate 202 0.41 ms")
                    .ends_with("[info] POST /allocate 202 0.41 ms request_id=req-42\n"));
  }
  EXPECT_TRUE(text_line(spdlog::level::info, "stopped").ends_with("[info] stopped\n"));
}

TEST(TextLogFormat, LeavesTheLinesFieldsToItsMessage) {
  const LogField fields[] = {{"orderid", "o1"}, {"qty", 3LL}};
  const ScopedLogFields scope(fields);
  EXPECT_TRUE(text_line(spdlog::level::info, "allocated order o1")
                  .ends_with("[info] allocated order o1\n"));
}

TEST(JsonLogFormat, WritesTimeLevelAndMessageInThatOrder) {
  const std::string line = formatted(LogFormat::json, spdlog::level::warn, "outbox: down");
  EXPECT_TRUE(line.starts_with("{\"time\":\"")) << line;
  const json object = json::parse(line);
  EXPECT_EQ(object["level"], "warning");
  EXPECT_EQ(object["message"], "outbox: down");
  // RFC 3339 in UTC to the millisecond: 2026-12-06T01:40:00.123Z
  const std::string time = object["time"];
  EXPECT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time.back(), 'Z') << time;
  EXPECT_EQ(object.size(), 3u) << line;
}

TEST(JsonLogFormat, CarriesTheContextAndTheFieldsAsMembers) {
  const ScopedLogContext context("request_id", "req-42");
  const LogField fields[] = {{"event", "allocated"}, {"orderid", "o1"}, {"qty", 3LL}, {"ms", 0.25}};
  const ScopedLogFields scope(fields);
  const json object = json_line("allocated order o1: 3 x LAMP from batch b1");
  EXPECT_EQ(object["request_id"], "req-42");
  EXPECT_EQ(object["event"], "allocated");
  EXPECT_EQ(object["orderid"], "o1");
  EXPECT_EQ(object["qty"], 3);
  EXPECT_EQ(object["ms"], 0.25);
}

TEST(JsonLogFormat, InnerFieldsReplaceOuterOnesUntilTheirScopeEnds) {
  const LogField outer[] = {{"sku", "LAMP"}};
  const ScopedLogFields outer_scope(outer);
  {
    const LogField inner[] = {{"orderid", "o1"}};
    const ScopedLogFields inner_scope(inner);
    const json object = json_line("inner");
    EXPECT_EQ(object["orderid"], "o1");
    EXPECT_FALSE(object.contains("sku"));
  }
  EXPECT_EQ(json_line("outer")["sku"], "LAMP");
}

TEST(JsonLogFormat, KeepsEveryLineParseableWhateverTheMessageHolds) {
  // A client's bytes quoted in a message: line breaks, quotes, and bytes that are not UTF-8.
  const json object = json_line("unknown sku \"a\nb\"\t\xff\xfe end", spdlog::level::err);
  EXPECT_EQ(object["message"], "unknown sku \"a\nb\"\t\xEF\xBF\xBD\xEF\xBF\xBD end");
  EXPECT_EQ(object["level"], "error");
}

}  // namespace
}  // namespace allocation::adapters::logging
