#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "allocation/bootstrap/application.hpp"

// The ledger's subcommands (SPEC §7.6): `movements` pages a product's movements, `verify`
// recomputes every batch's stock from them.
namespace allocation::entrypoints {

// How the command line declares a one-shot subcommand that runs `work` on the service composed
// from its own --db (cli.cpp): name, description, work; returns the subcommand for its flags.
using ServiceCommand =
    std::function<CLI::App*(const char*, const char*, std::function<int(bootstrap::Application&)>)>;

void add_ledger_commands(const ServiceCommand& service_command);

}  // namespace allocation::entrypoints
