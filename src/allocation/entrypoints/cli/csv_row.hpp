#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace allocation::entrypoints {

// Appends one CSV record (RFC 4180) and its line break to `out`: a field that holds a comma, a
// quote or a line break, or starts or ends with a space (which readers trim), is quoted, with
// its quotes doubled.
void append_csv_row(std::string& out, std::initializer_list<std::string_view> fields);

}  // namespace allocation::entrypoints
