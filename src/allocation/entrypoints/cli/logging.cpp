#include "allocation/entrypoints/cli/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>

namespace allocation::entrypoints {

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

// The message of a log line, through one_line(); the flag `%*` of the pattern.
class OneLineMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    // Most messages hold no control character: copied as they are.
    if (std::none_of(text.begin(), text.end(), is_control)) {
      dest.append(text.data(), text.data() + text.size());
      return;
    }
    const std::string line = one_line(text);
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<OneLineMessage>();
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

std::unique_ptr<spdlog::formatter> one_line_log_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  // spdlog's default pattern, "%v" (the message as it is) replaced.
  formatter->add_flag<OneLineMessage>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%^%l%$] %*");
  return formatter;
}

void set_up_logging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt("allocation");
  logger->set_formatter(one_line_log_formatter());
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(level);
}

}  // namespace allocation::entrypoints
