#pragma once

#include <optional>
#include <string>

namespace allocation::bootstrap {

// What an operator configures (flags, environment). Defaults: the zero-configuration service.
struct Settings {
  std::string database_url = "sqlite:allocation.db";
  int database_pool = 16;
  // redis://host:port; none: no broker (allocations are not published, nothing is consumed).
  std::optional<std::string> redis_url;
  // smtp://host:port; none: notifications go to the log.
  std::optional<std::string> smtp_url;
  std::string mail_from = "allocation@localhost";
  std::string mail_to = "stock@localhost";
};

}  // namespace allocation::bootstrap
