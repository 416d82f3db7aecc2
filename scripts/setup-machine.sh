#!/usr/bin/env bash
# Installs and checks what Sandbox's tests need on a fresh Debian 12 machine with the
# .NET 10 SDK. Idempotent; prints what it does. Needs root only when something is missing.
set -euo pipefail

need_apt=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then need_apt+=(postgresql); fi
command -v runuser >/dev/null || need_apt+=(util-linux)
command -v strace >/dev/null || need_apt+=(strace)   # the file guard's "never opened" proof
command -v node >/dev/null || need_apt+=(nodejs)   # the third-party client compatibility suite
command -v npm >/dev/null || need_apt+=(npm)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need_apt[*]}; run as root or: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# PostgreSQL's server refuses to run as root; the process runtime runs it as 'postgres'.
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "setup: the 'postgres' user is missing; reinstall the postgresql package" >&2
  exit 1
fi

command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK is missing (dotnet not on PATH)" >&2; exit 1; }
# The docker-runtime tests need a daemon and the local stand-in images (no registry here).
# A failure here does not stop the run: those tests then fail under CI=true with the reason.
# build-images.sh rebuilds an image whenever its sandbox.source-hash label differs from the hash
# of what it is made from (tests/standins/<image>/, the script, the double's sources), so a
# machine that built older stand-ins gets the current ones here.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if "$here/start-docker.sh"; then
  "$here/../tests/standins/build-images.sh" || echo "setup: the stand-in images could not be built; the docker tests will say so" >&2
else
  echo "setup: no Docker daemon; the docker-runtime tests will say so" >&2
fi

# The client compatibility suite drives the Vault double with npm clients pinned in
# tests/clients/node/package-lock.json; npm ci installs exactly those (again when the lock changes).
node_dir="$here/../tests/clients/node"
if [ ! -d "$node_dir/node_modules/node-vault" ] || [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/clients/node"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error) \
    || echo "setup: npm ci failed in tests/clients/node; the client compatibility tests will say so" >&2
fi

# The HCL reader's oracle: HashiCorp's HCL library as the npm package pinned in tests/hcl-oracle.
hcl_dir="$here/../tests/hcl-oracle"
if [ ! -d "$hcl_dir/node_modules/@cdktf/hcl2json" ] || [ "$hcl_dir/package-lock.json" -nt "$hcl_dir/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/hcl-oracle"
  (cd "$hcl_dir" && npm ci --no-audit --no-fund --loglevel=error) \
    || echo "setup: npm ci failed in tests/hcl-oracle; the HCL oracle tests will say so" >&2
fi

echo "setup: ok (PostgreSQL binaries: ${pg_bin:-installed now}, $(dotnet --version))"
