#!/usr/bin/env bash
# Installs everything the test suite needs (system tools and Python packages), then runs it.
# Works on a fresh Debian machine as root (or with sudo); safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v snmpget >/dev/null 2>&1 || need+=(snmp)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v mbpoll >/dev/null 2>&1 || need+=(mbpoll)
command -v curl >/dev/null 2>&1 || need+=(curl)
if ((${#need[@]})); then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
$PY -m pip install -q --disable-pip-version-check -e '.[test]'
# The whole suite on the standard loop (the gateway's default), then the protocol and
# end-to-end tests again on uvloop, which `junction --loop uvloop` offers.
$PY -m pytest -q -p no:cacheprovider "$@"
if [ "$#" -eq 0 ]; then
    JUNCTION_LOOP=uvloop exec $PY -m pytest -q -p no:cacheprovider tests/sdk tests/integration \
        tests/test_eventloop.py
fi
