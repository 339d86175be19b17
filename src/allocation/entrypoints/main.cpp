#include "allocation/entrypoints/cli/cli.hpp"

int main(int argc, char** argv) { return allocation::entrypoints::run_cli(argc, argv); }
