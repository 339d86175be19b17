#!/usr/bin/env bash
# Allocation latency after 100 and after 20,000 prior allocations of one SKU, on SQLite and on
# PostgreSQL (issue: allocate cost independent of history).
#   bench/history.sh [BUILD_DIR] [extra allocate_history options]
exec "$(dirname "$0")/on_both_databases.sh" allocate_history "$@"
