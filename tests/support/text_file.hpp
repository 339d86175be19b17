#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace allocation::testing {

// The whole text of a file, empty if it does not exist.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace allocation::testing
