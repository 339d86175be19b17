#pragma once

#include <stdexcept>
#include <string>

#include "allocation/adapters/sql/database.hpp"

namespace allocation::adapters::sql {

// The database was written by a newer binary: this one does not know its schema.
class SchemaTooNew : public std::runtime_error {
 public:
  SchemaTooNew(int found, int known)
      : std::runtime_error("database schema is at version " + std::to_string(found) +
                           ", newer than this binary knows (" + std::to_string(known) +
                           "): upgrade allocation") {}
};

// The newest schema version this binary knows.
int latest_schema_version();

// Creates or upgrades the schema by the numbered migrations not yet recorded in the database,
// up to `up_to` (tests start from an older schema with it), in one transaction, holding a lock
// so that processes starting together migrate once. Returns the schema version. Throws
// SchemaTooNew.
int migrate(Database& database, int up_to = latest_schema_version());

}  // namespace allocation::adapters::sql
