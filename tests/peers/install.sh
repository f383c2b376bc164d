#!/usr/bin/env bash
# Installs the real third-party peers the tests run against (Debian packages), idempotently.
# Runs `apt-get update` at most once, and only when a package is missing.
set -euo pipefail

packages=(
  # Modbus peers
  python3-pymodbus python3-serial python3-serial-asyncio mbpoll libmodbus-dev gcc libc6-dev pkg-config
  # serial: pseudo-terminal pairs
  socat
  # MQTT and time-series peers
  mosquitto mosquitto-clients influxdb victoria-metrics
  # SNMP peers (net-snmp agent and command-line tools; snmpsim serves recorded walks of real devices)
  snmpd snmp snmpsim
  # UPS peers (NUT drivers read our simulators; upsd feeds the NUT client input)
  nut-server nut-client nut-modbus
  # browser test of the status page (headless Debian Chromium)
  chromium
  # systemd-analyze verifies the shipped units
  systemd
  # Native AOT publish of the agent (tests/run.sh): the toolchain .NET documents for linux-x64
  clang zlib1g-dev
  # misc used by tests and scripts
  curl ca-certificates openssl procps iproute2 util-linux coreutils
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "peers: all ${#packages[@]} packages present"
else
  if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
  else
    SUDO=
  fi

  echo "peers: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Browser test driver: playwright-core (14 MB, no bundled browser; it drives /usr/bin/chromium) from npm, pinned in
# tests/browser/package-lock.json, into tests/browser/node_modules (gitignored). Only when absent.
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/browser"
if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "peers: npm not found (Node.js 20+ is needed for the status page browser tests)" >&2
    exit 1
  fi
  echo "peers: installing playwright-core into $browser_dir"
  npm ci --prefix "$browser_dir" --no-audit --no-fund --loglevel=error
fi
