#!/usr/bin/env bash
# Builds the LOCAL STAND-IN images that the docker-runtime tests use on machines that
# cannot pull from a registry. They are not the official images and are named so:
#   sandbox-standin/postgres:15        PostgreSQL from this machine's Debian packages
#   sandbox-standin/vault-double:0.1.0 the Sandbox Vault double (NOT HashiCorp Vault)
# Each image is a root filesystem assembled from this host's files (the binaries and the
# shared libraries they link, found with ldd), loaded with `docker import`, then finished by
# `docker build` with the Dockerfile next to its entrypoint (tests/standins/<image>/), which
# gives it the official image's metadata (VOLUME, STOPSIGNAL, ENTRYPOINT, CMD). No registry is
# needed. Each image carries the label sandbox.source-hash: the hash of everything it is made
# from (its folder here, this script, the host's PostgreSQL version, the double's sources), and
# is rebuilt whenever that changes, so a stale stand-in never answers for today's code.
# Usage: tests/standins/build-images.sh [--force]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

force=0; [ "${1:-}" = "--force" ] && force=1
work=$(mktemp -d /tmp/sandbox-standins.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Put one file or directory into ROOT at its canonical path (the root has the host's
# merged-/usr links), and recreate the link the caller named when it differs.
put() {
  local root="$1" src="$2" real dir
  real=$(readlink -f "$src")
  dir=$(readlink -f "$(dirname "$src")")
  mkdir -p "$root$(dirname "$real")" "$root$dir"
  [ -e "$root$real" ] || cp -a "$real" "$root$(dirname "$real")/"
  if [ "$dir/$(basename "$src")" != "$real" ] && [ ! -e "$root$dir/$(basename "$src")" ]; then
    ln -s "$real" "$root$dir/$(basename "$src")"
  fi
}

# Copy files into ROOT, plus every shared library they need (ldd).
copy_closure() {
  local root="$1"; shift
  local f lib
  for f in "$@"; do
    [ -e "$f" ] || continue
    put "$root" "$f"
    if [ -f "$f" ] && file -bL "$f" 2>/dev/null | grep -q 'ELF'; then
      for lib in $(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^[[:space:]]*\/lib/{print $1}'); do
        put "$root" "$lib"
      done
    fi
  done
}

base_rootfs() {
  local root="$1"
  # Debian 12 has a merged /usr: /bin, /lib and /lib64 are links into /usr.
  mkdir -p "$root"/{tmp,etc,var/run,usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin}
  ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
  chmod 1777 "$root/tmp"
  copy_closure "$root" /bin/sh /bin/dash /usr/bin/env /bin/mkdir /bin/cat /bin/ls /usr/bin/id /bin/chmod /bin/chown /bin/rm \
    /bin/sleep /usr/bin/stat /bin/readlink /usr/bin/setpriv /bin/mktemp
  cp /etc/nsswitch.conf "$root/etc/" 2>/dev/null || true
  # Users as the official images have them: vault 100:1000 (alpine adduser -S), postgres 999:999.
  printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\nvault:x:100:1000:vault:/home/vault:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\npostgres:x:999:\nvault:x:1000:\n' >"$root/etc/group"
}

# The hash of the files an image is made from; "$@" are extra files or folders.
source_hash() {
  { find "$@" \( -name bin -o -name obj \) -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum; echo "$pg_ver"; } | sha256sum | cut -c1-16
}

# build TAG FOLDER ROOT HASH: imports ROOT as TAG's base, builds TAG from FOLDER/Dockerfile.
finish_image() {
  local tag="$1" folder="$2" root="$3" hash="$4" title="$5" base="${1%%:*}:rootfs-$4"
  install -m 755 "$folder/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  tar -C "$root" -c . | docker import - "$base" >/dev/null
  # The classic builder needs no network for FROM a local image; its deprecation notice is noise.
  local out
  if ! out=$(DOCKER_BUILDKIT=0 docker build -q --network none --build-arg BASE="$base" \
    --label sandbox.standin=true --label "sandbox.source-hash=$hash" --label "org.opencontainers.image.title=$title" \
    -t "$tag" "$folder" 2>&1); then
    echo "$out" >&2; docker rmi "$base" >/dev/null 2>&1 || true; return 1
  fi
  docker rmi "$base" >/dev/null
  echo "standins: built $tag (source $hash)"
}

current_hash() { docker image inspect -f '{{ index .Config.Labels "sandbox.source-hash" }}' "$1" 2>/dev/null || true; }

build_postgres() {
  local tag=sandbox-standin/postgres:15 hash
  hash=$(source_hash tests/standins/postgres tests/standins/build-images.sh)
  if [ "$(current_hash "$tag")" = "$hash" ] && [ $force -eq 0 ]; then echo "standins: $tag present (source $hash)"; return; fi
  local root="$work/pg"; base_rootfs "$root"
  copy_closure "$root" "$pg_bin"/* /usr/lib/postgresql/"$pg_ver"/lib/*
  # The official image is Debian (bookworm) with coreutils: cp is there; the docker runtime copies
  # its template cluster with it (cp -a).
  copy_closure "$root" /bin/cp
  put "$root" /usr/share/postgresql/"$pg_ver"; put "$root" /usr/share/zoneinfo
  # As docker-library/postgres's Dockerfile: the sample config listens on every address.
  sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$root/usr/share/postgresql/$pg_ver/postgresql.conf.sample"
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql" "$root/docker-entrypoint-initdb.d"
  chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
  chmod 1777 "$root/var/lib/postgresql/data"; chmod 3777 "$root/var/run/postgresql"
  finish_image "$tag" tests/standins/postgres "$root" "$hash" "Sandbox stand-in PostgreSQL $pg_ver (NOT the official postgres image)"
}

build_double() {
  local tag=sandbox-standin/vault-double:0.1.0 hash
  hash=$(source_hash tests/standins/vault-double tests/standins/build-images.sh fixtures/Sandbox.VaultDouble harness/Sandbox.Harness)
  if [ "$(current_hash "$tag")" = "$hash" ] && [ $force -eq 0 ]; then echo "standins: $tag present (source $hash)"; return; fi
  local root="$work/double"; base_rootfs "$root"
  dotnet publish fixtures/Sandbox.VaultDouble -c Release -o "$work/publish" --nologo -v q >/dev/null
  mkdir -p "$root/app" "$root/vault/file" "$root/vault/config" "$root/vault/logs" "$root/home/vault"
  cp -a "$work/publish/." "$root/app/"
  local dn; dn=$(dirname "$(readlink -f "$(command -v dotnet)")")
  copy_closure "$root" "$dn/dotnet"
  put "$root" "$dn/host"; put "$root" "$dn/shared/Microsoft.NETCore.App"; put "$root" "$dn/shared/Microsoft.AspNetCore.App"
  local so; for so in $(find "$dn/shared" "$dn/host" -name '*.so'); do copy_closure "$root" "$so"; done
  # OpenSSL is loaded at run time (dlopen), so ldd cannot see it.
  copy_closure "$root" /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3
  ln -s "$dn/dotnet" "$root/usr/local/bin/dotnet"
  install -m 755 tests/standins/vault-double/vault "$root/usr/local/bin/vault"
  chown -R 100:1000 "$root/vault" "$root/home/vault"
  finish_image "$tag" tests/standins/vault-double "$root" "$hash" "Sandbox Vault double stand-in (NOT HashiCorp Vault)"
}

command -v docker >/dev/null || { echo "standins: docker CLI missing" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "standins: no Docker daemon answers; start dockerd first" >&2; exit 1; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_ver=$(basename "$(dirname "$pg_bin")")
build_postgres
build_double
