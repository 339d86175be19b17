#pragma once

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace allocation::entrypoints {

// `text` on one line: its lines (libpq's messages span several, with tab-indented hints)
// trimmed and joined by "; ", empty ones dropped, any other control character a space. One
// event must be one line, for an operator's grep and for log collectors that split on newlines.
std::string one_line(std::string_view text);

// The log's format: spdlog's default, with the message put on one line by one_line().
std::unique_ptr<spdlog::formatter> one_line_log_formatter();

// The process's log: to stderr (stdout carries the commands' own output), at `level`, one
// line per event.
void set_up_logging(spdlog::level::level_enum level);

}  // namespace allocation::entrypoints
