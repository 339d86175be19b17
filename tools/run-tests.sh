#!/usr/bin/env bash
# Runs every test of the build in BUILD_DIR through ctest.
set -euo pipefail
build_dir=${1:-build}
ctest --test-dir "$build_dir" --output-on-failure -j2
