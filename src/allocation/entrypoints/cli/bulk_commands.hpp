#pragma once

#include "allocation/entrypoints/cli/service_command.hpp"

// The bulk subcommands (SPEC §7.5): `import FILE.csv` adds a batch per row, `export KIND` writes
// batches, allocations or movements to stdout as CSV.
namespace allocation::entrypoints {

void add_bulk_commands(const ServiceCommand& service_command);

}  // namespace allocation::entrypoints
