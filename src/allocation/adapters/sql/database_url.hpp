#pragma once

#include <string>
#include <string_view>

namespace allocation::adapters::sql {

enum class Backend { sqlite, postgresql };

// Where the database is, from the URL an operator gives:
//   sqlite:PATH                                  (a file; created when missing)
//   postgresql://user:pass@host:port/dbname      (also postgres://; libpq URI parameters kept)
struct DatabaseUrl {
  Backend backend;
  std::string target;  // the SQLite file's path, or the libpq connection URI
};

// Throws std::invalid_argument naming what is wrong with the URL.
DatabaseUrl parse_database_url(std::string_view url);

// The URL as it may be shown (an error, the log): any password in it (user:PASSWORD@, or
// password=PASSWORD among the parameters) replaced by ***.
std::string without_password(std::string_view url);

}  // namespace allocation::adapters::sql
