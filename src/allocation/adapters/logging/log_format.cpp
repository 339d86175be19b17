#include "allocation/adapters/logging/log_format.hpp"

#include <spdlog/pattern_formatter.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "allocation/adapters/logging/log_fields.hpp"
#include "allocation/adapters/utc_time.hpp"

namespace allocation::adapters::logging {

namespace {

bool is_line_break(char c) { return c == '\n' || c == '\r'; }
bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
bool is_blank(char c) { return c == ' ' || (is_control(c) && !is_line_break(c)); }

// Appends one line of text, trimmed, with its control characters (tabs) made spaces.
void append_line(std::string_view line, std::string& out) {
  const auto first = std::find_if_not(line.begin(), line.end(), is_blank);
  const auto last = std::find_if_not(line.rbegin(), line.rend(), is_blank).base();
  if (first >= last) return;
  if (!out.empty()) out += "; ";
  std::transform(first, last, std::back_inserter(out),
                 [](char c) { return is_control(c) ? ' ' : c; });
}

void append(std::string_view text, spdlog::memory_buf_t& dest) {
  dest.append(text.data(), text.data() + text.size());
}

// The message of a text line, through one_line(), then the thread's context: the flag `%*` of
// the pattern.
class OneLineMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    // Most messages hold no control character: copied as they are.
    if (std::none_of(text.begin(), text.end(), is_control)) {
      append(text, dest);
    } else {
      append(one_line(text), dest);
    }
    if (const auto context = log_context()) {
      dest.push_back(' ');
      append(context->name, dest);
      dest.push_back('=');
      append(context->value, dest);  // a request id is printable ASCII (http_api.cpp)
    }
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<OneLineMessage>();
  }
};

// Appends `text` as a JSON string. Most text needs no escaping (printable ASCII without quotes
// or backslashes) and is copied as it is; the rest goes through nlohmann's serializer, which
// escapes control characters and replaces bytes that are not UTF-8 (a client's input quoted in a
// message), so that every line parses.
void append_json_string(std::string_view text, spdlog::memory_buf_t& dest) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    dest.push_back('"');
    append(text, dest);
    dest.push_back('"');
  } else {
    append(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
           dest);
  }
}

// One JSON object per line: time (UTC, to the millisecond), level and message first, as a
// person reads them, then the thread's context and the line's fields. Written member by member:
// a JSON document built per line cost more than the rest of the line (perf, docs/performance.md).
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append(R"({"time":")", dest);
    append(format_utc(msg.time), dest);
    append(R"(","level":")", dest);
    const auto level = spdlog::level::to_string_view(msg.level);
    dest.append(level.data(), level.data() + level.size());
    append(R"(","message":)", dest);
    append_json_string(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    if (const auto context = log_context()) append_member(context->name, context->value, dest);
    for (const LogField& field : log_fields()) {
      std::visit([&](const auto& value) { append_member(field.name, value, dest); }, field.value);
    }
    append("}\n", dest);
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }

 private:
  static void append_member(std::string_view name, std::string_view value,
                            spdlog::memory_buf_t& dest) {
    dest.push_back(',');
    append_json_string(name, dest);
    dest.push_back(':');
    append_json_string(value, dest);
  }
  static void append_member(std::string_view name, long long value, spdlog::memory_buf_t& dest) {
    dest.push_back(',');
    append_json_string(name, dest);
    fmt::format_to(std::back_inserter(dest), ":{}", value);
  }
  static void append_member(std::string_view name, double value, spdlog::memory_buf_t& dest) {
    dest.push_back(',');
    append_json_string(name, dest);
    // JSON has no NaN or infinity; a duration is neither.
    fmt::format_to(std::back_inserter(dest), ":{}", std::isfinite(value) ? value : 0.0);
  }
};

}  // namespace

std::string one_line(std::string_view text) {
  std::string out;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find_first_of("\r\n", start), text.size());
    append_line(text.substr(start, end - start), out);
    start = end + 1;
  }
  return out;
}

std::unique_ptr<spdlog::formatter> log_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonLineFormatter>();
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  // spdlog's default pattern, "%v" (the message as it is) replaced.
  formatter->add_flag<OneLineMessage>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%^%l%$] %*");
  return formatter;
}

}  // namespace allocation::adapters::logging
