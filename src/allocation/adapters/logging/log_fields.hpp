#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <variant>

// What a log line says beside its message, kept per thread so that the lines written anywhere
// while a request or a message is handled carry its id without every function passing it on.
// A request is handled from start to end on one thread, and the bus runs the event handlers it
// causes on that thread too.
namespace allocation::adapters::logging {

using FieldValue = std::variant<std::string_view, long long, double>;

// A named value of one log line: a member of the JSON line.
struct LogField {
  std::string_view name;
  FieldValue value;
};

// The id of what this thread is handling ("request_id", "message_id"): on every line it
// writes, in both formats, until cleared.
struct LogContext {
  std::string_view name;
  std::string_view value;
};

// `name` must outlive the context (a literal); `value` is copied.
void set_log_context(std::string_view name, std::string_view value);
void clear_log_context();
// Valid until the context is set or cleared again.
std::optional<LogContext> log_context();

// Sets this thread's context while it lives (a message handled by a consumer).
class ScopedLogContext {
 public:
  ScopedLogContext(std::string_view name, std::string_view value) { set_log_context(name, value); }
  ~ScopedLogContext() { clear_log_context(); }
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;
};

// The fields of the lines this thread writes while it lives (the ids of one stock change): the
// JSON lines carry them as members; the text lines' messages already name them. Scopes nest.
// `fields`, and the strings they view, must outlive the scope.
class ScopedLogFields {
 public:
  explicit ScopedLogFields(std::span<const LogField> fields);
  ~ScopedLogFields();
  ScopedLogFields(const ScopedLogFields&) = delete;
  ScopedLogFields& operator=(const ScopedLogFields&) = delete;

 private:
  std::span<const LogField> previous_;
};

// The fields of the innermost scope of this thread; empty outside any.
std::span<const LogField> log_fields();

}  // namespace allocation::adapters::logging
