#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs what the tests need
# (Debian's redis-server for the Redis Streams and audit tests), then `cargo test`.
# The shared data sets are read from ../shared beside the checkout (GARDENER_SHARED_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# `rediss://` support links the system OpenSSL; the TLS test makes its certificate with `openssl`.
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
[ -e /usr/include/openssl/ssl.h ] || need_apt+=(libssl-dev)
if ((${#need_apt[@]})); then
  echo "installing: ${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The Debian package starts a system-wide server on 6379; the tests start their own on free
# loopback ports and never touch that one.
exec cargo test --workspace --all-targets "$@"
