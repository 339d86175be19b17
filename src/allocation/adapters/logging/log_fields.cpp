#include "allocation/adapters/logging/log_fields.hpp"

#include <string>

namespace allocation::adapters::logging {

namespace {

struct ThreadContext {
  std::string_view name;  // empty: no context
  std::string value;      // its capacity is kept from one request to the next
};
thread_local ThreadContext context;
thread_local std::span<const LogField> fields;

}  // namespace

void set_log_context(std::string_view name, std::string_view value) {
  context.name = name;
  context.value.assign(value);
}

void clear_log_context() { context.name = {}; }

std::optional<LogContext> log_context() {
  if (context.name.empty()) return std::nullopt;
  return LogContext{context.name, context.value};
}

ScopedLogFields::ScopedLogFields(std::span<const LogField> scoped) : previous_(fields) {
  fields = scoped;
}

ScopedLogFields::~ScopedLogFields() { fields = previous_; }

std::span<const LogField> log_fields() { return fields; }

}  // namespace allocation::adapters::logging
