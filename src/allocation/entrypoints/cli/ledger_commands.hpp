#pragma once

#include "allocation/entrypoints/cli/service_command.hpp"

// The ledger's subcommands (SPEC §7.6): `movements` pages a product's movements, `verify`
// recomputes every batch's stock from them.
namespace allocation::entrypoints {

void add_ledger_commands(const ServiceCommand& service_command);

}  // namespace allocation::entrypoints
