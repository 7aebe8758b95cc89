#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks drive as real peers: PostgreSQL 15 (store
# tests), SIPp (SIP interop), Kamailio (benchmark reference), Redis, rtpengine, baresip, sox.
# Runs apt-get only as root and only for packages that are missing. Without root it lists what is
# missing; the tests then fail (CI=true) or skip (developer machine) the checks that need them.
set -euo pipefail
PKGS=(postgresql-15 sip-tester kamailio redis-server rtpengine-daemon baresip-core sox openssl)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing (run as root to install): ${missing[*]}" >&2
  exit 0
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages installed"
