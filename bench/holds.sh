#!/usr/bin/env bash
# The holds' cost (bench/holds.cpp) on SQLite and on PostgreSQL: allocating with 100 and with
# 100,000 live holds of the SKU, and one sweep of 10,000 expired holds.
#   bench/holds.sh [BUILD_DIR] [extra holds options]
exec "$(dirname "$0")/on_both_databases.sh" holds "$@"
