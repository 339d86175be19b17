# Third-party libraries, all from Debian 12 packages (tools/install-deps.sh).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)

# SOCI: Debian ships no CMake config for it, so its libraries become imported targets here.
# Its headers include Boost's (libboost-dev) and libpq's.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_path(LIBPQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql REQUIRED)
find_package(SQLite3 REQUIRED)
foreach(part core sqlite3 postgresql)
  find_library(SOCI_${part}_LIBRARY soci_${part} REQUIRED)
  add_library(soci_${part} UNKNOWN IMPORTED)
  set_target_properties(soci_${part} PROPERTIES
    IMPORTED_LOCATION ${SOCI_${part}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR};${LIBPQ_INCLUDE_DIR}")
endforeach()
set_property(TARGET soci_sqlite3 PROPERTY INTERFACE_LINK_LIBRARIES soci_core SQLite::SQLite3)
# libpq itself: the adapter asks it for a connection's status (PQstatus) without a round trip.
find_package(PostgreSQL REQUIRED)
set_property(TARGET soci_postgresql PROPERTY INTERFACE_LINK_LIBRARIES soci_core PostgreSQL::PostgreSQL)

find_package(CURL REQUIRED)  # SMTP notifications

# hiredis: Debian's CMake config for it is broken; pkg-config works.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(RABBITMQ REQUIRED IMPORTED_TARGET librabbitmq)

# OpenSSL's libcrypto (libssl-dev): the SHA-256 that fingerprints a request with an idempotency key.
find_package(OpenSSL REQUIRED)
