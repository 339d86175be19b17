#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

// How the process's log lines are written (--log-format, SPEC §8).
namespace allocation::adapters::logging {

enum class LogFormat {
  // For a person at a terminal: spdlog's default line, on one line, with the thread's context
  // (request_id=...) after the message.
  text,
  // For a log collector: one JSON object per line, with time (UTC), level, message, the
  // thread's context and the line's fields (log_fields.hpp).
  json,
};

// `text` on one line: its lines (libpq's messages span several, with tab-indented hints)
// trimmed and joined by "; ", empty ones dropped, any other control character a space. One
// event must be one line, for an operator's grep and for log collectors that split on newlines.
std::string one_line(std::string_view text);

std::unique_ptr<spdlog::formatter> log_formatter(LogFormat format);

}  // namespace allocation::adapters::logging
