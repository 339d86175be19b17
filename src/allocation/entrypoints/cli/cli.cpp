#include "allocation/entrypoints/cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace allocation::entrypoints {

int run_cli(int argc, char** argv) {
  CLI::App app{"allocation: allocates order lines to stock batches"};
  app.require_subcommand(1);
  app.add_subcommand("version", "Print the version")->callback([] {
    std::cout << "allocation 0.1.0\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  return 0;
}

}  // namespace allocation::entrypoints
