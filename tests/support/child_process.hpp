#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

// Programs run by the tests as child processes.
namespace allocation::testing {

// Starts ARGV[0] (looked up in PATH) with stdout and stderr to the files named, and this
// process's environment with `environment` ("NAME=value") added.
pid_t spawn_program(std::vector<std::string> argv, const std::string& out, const std::string& err,
                    const std::vector<std::string>& environment = {});

// The exit code of a status from waitpid(), or 128 + the signal that ended the process.
int exit_code(int status);

// Runs ARGV to its end, with stdout and stderr to the files named; returns its exit code.
int run_to_end(std::vector<std::string> argv, const std::string& out, const std::string& err);

}  // namespace allocation::testing
