#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "allocation/bootstrap/application.hpp"

namespace allocation::entrypoints {

// How the command line declares a one-shot subcommand that runs `work` on the service composed
// from its own --db (cli.cpp): name, description, work; returns the subcommand for its flags.
using ServiceCommand =
    std::function<CLI::App*(const char*, const char*, std::function<int(bootstrap::Application&)>)>;

}  // namespace allocation::entrypoints
