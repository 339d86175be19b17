#include "allocation/entrypoints/cli/csv_row.hpp"

namespace allocation::entrypoints {

namespace {

bool needs_quotes(std::string_view field) {
  return field.find_first_of(",\"\r\n") != std::string_view::npos ||
         (!field.empty() && (field.front() == ' ' || field.back() == ' ' || field.front() == '\t' ||
                             field.back() == '\t'));
}

}  // namespace

void append_csv_row(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (std::string_view field : fields) {
    if (!first) out += ',';
    first = false;
    if (!needs_quotes(field)) {
      out += field;
      continue;
    }
    out += '"';
    for (char c : field) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += '\n';
}

}  // namespace allocation::entrypoints
