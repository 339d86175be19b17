#include "allocation/adapters/sql/database_url.hpp"

#include <algorithm>
#include <stdexcept>

namespace allocation::adapters::sql {

std::string without_password(std::string_view url) {
  std::string shown(url);
  if (const auto scheme = shown.find("://"); scheme != std::string::npos) {
    const auto host = scheme + 3;
    const auto at = shown.find('@', host);
    const auto colon = shown.find(':', host);
    if (at != std::string::npos && at < shown.find('/', host) && colon < at) {
      shown.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (auto key = shown.find("password="); key != std::string::npos;
       key = shown.find("password=", key + 1)) {
    const auto value = key + 9;
    shown.replace(value, std::min(shown.find('&', value), shown.size()) - value, "***");
  }
  return shown;
}

DatabaseUrl parse_database_url(std::string_view url) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("malformed database URL '" + without_password(url) + "': " + why);
  };
  if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///abs/path, as others write it
    if (path.empty()) throw bad("no file path after 'sqlite:'");
    return {Backend::sqlite, std::string(path)};
  }
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (!url.starts_with(scheme)) continue;
    const std::string_view rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    if (rest.empty() || slash == 0) throw bad("no host");
    if (slash == std::string_view::npos || slash + 1 == rest.size() || rest[slash + 1] == '?') {
      throw bad("no database name (postgresql://user:pass@host:port/dbname)");
    }
    return {Backend::postgresql, std::string(url)};
  }
  throw bad("expected sqlite:PATH or postgresql://user:pass@host:port/dbname");
}

}  // namespace allocation::adapters::sql
