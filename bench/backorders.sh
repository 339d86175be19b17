#!/usr/bin/env bash
# The backorder queue's cost (bench/backorders.cpp) on SQLite and on PostgreSQL: allocating with
# 100 and with 10,000 lines waiting, and one batch arriving for 1,000 waiting lines.
#   bench/backorders.sh [BUILD_DIR] [extra backorders options]
exec "$(dirname "$0")/on_both_databases.sh" backorders "$@"
