#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages ClusterTap needs, when they are missing.
#   scripts/system-deps.sh runtime   what building and running needs (libpcap for GRE capture)
#   scripts/system-deps.sh test      plus the real peers and kernel tools the tests use
# Without root (and without sudo), it names what is missing and how to install it.
set -euo pipefail

runtime=(libpcap-dev python3 make g++)
test_only=(tcpdump tshark iproute2 python3-scapy ethtool iputils-ping util-linux procps nfdump softflowd openssl python3-venv chromium)

packages=("${runtime[@]}")
[[ "${1:-runtime}" == "test" ]] && packages+=("${test_only[@]}")

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "clustertap: missing system packages: ${missing[*]} (no apt-get here: install their equivalents)" >&2
  exit 1
fi
if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "clustertap: missing system packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
