#pragma once

namespace allocation::entrypoints {

// The `allocation` command line: parses argv, runs the subcommand, returns the exit code
// (0 done, 1 failed, 2 usage).
int run_cli(int argc, char** argv);

}  // namespace allocation::entrypoints
