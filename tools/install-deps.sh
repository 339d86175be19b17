#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs to build, test and benchmark.
# Idempotent: asks apt only for what is missing, so a second run costs a dpkg query.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config clang-format
  clang libclang-rt-14-dev  # libFuzzer (fuzz/), built with clang
  # libraries
  libgtest-dev libgmock-dev libbenchmark-dev
  libsoci-dev libboost-dev libsqlite3-dev libpq-dev  # Debian's SOCI headers include Boost's
  libcpp-httplib-dev nlohmann-json3-dev libhiredis-dev librabbitmq-dev libcurl4-openssl-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libfccp-dev  # fast-cpp-csv-parser: the CSV of `allocation import`
  # servers the tests start on 127.0.0.1, and load tools
  postgresql redis-server rabbitmq-server python3-aiosmtpd wrk python3-requests sqlite3
  python3-jsonschema  # tests/e2e/openapi_conformance_test.py
  python3-prometheus-client  # tests/e2e/metrics_format_test.py: its parser reads /metrics
  chromium chromium-driver python3-selenium  # tests/e2e/console_browser_test.py
  faketime  # tests/fault_run: libfaketime moves the serve processes' clock past holds' expiry
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

sudo=()
((EUID == 0)) || sudo=(sudo)
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
