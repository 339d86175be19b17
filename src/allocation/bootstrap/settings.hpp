#pragma once

#include <string>

namespace allocation::bootstrap {

// What an operator configures (flags, environment). Defaults: the zero-configuration service.
struct Settings {
  std::string database_url = "sqlite:allocation.db";
  int database_pool = 16;
};

}  // namespace allocation::bootstrap
