#!/usr/bin/env bash
# Builds the LOCAL STAND-IN images that the docker-runtime tests use on machines that
# cannot pull from a registry. They are not the official images and are named so:
#   sandbox-standin/postgres:15        PostgreSQL from this machine's Debian packages
#   sandbox-standin/vault-double:0.1.0 the Sandbox Vault double (NOT HashiCorp Vault)
# Each image is a root filesystem assembled from this host's files (the binaries and
# the shared libraries they link, found with ldd) and loaded with `docker import`.
# Usage: tests/standins/build-images.sh [--force]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

force=0; [ "${1:-}" = "--force" ] && force=1
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
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
  copy_closure "$root" /bin/sh /bin/dash /usr/bin/env /bin/mkdir /bin/cat /bin/ls /usr/bin/id /bin/chmod /bin/rm /bin/sleep
  cp /etc/nsswitch.conf "$root/etc/" 2>/dev/null || true
  printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/sh\nvault:x:100:1000:vault:/vault:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\npostgres:x:104:\nvault:x:1000:\n' >"$root/etc/group"
}

build_postgres() {
  local tag=sandbox-standin/postgres:15
  if have_image "$tag" && [ $force -eq 0 ]; then echo "standins: $tag present"; return; fi
  local root="$work/pg"; base_rootfs "$root"
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local ver; ver=$(basename "$(dirname "$bin")")
  copy_closure "$root" "$bin"/* /usr/lib/postgresql/"$ver"/lib/* 
  put "$root" /usr/share/postgresql/"$ver"; put "$root" /usr/share/zoneinfo
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
  chown -R 101:104 "$root/var/lib/postgresql" "$root/var/run/postgresql"
  cat >"$root/usr/local/bin/standin-postgres" <<SH
#!/bin/sh
# Stand-in entrypoint: the official image's POSTGRES_USER / POSTGRES_PASSWORD contract.
set -e
export PATH=$bin:/bin:/usr/bin
: "\${PGDATA:=/var/lib/postgresql/data}"
: "\${POSTGRES_USER:=postgres}"
: "\${PGPORT:=5432}"
: "\${POSTGRES_LISTEN:=*}"
if [ ! -s "\$PGDATA/PG_VERSION" ]; then
  pwfile=/tmp/pw.\$\$
  printf '%s' "\${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}" >"\$pwfile"
  initdb -D "\$PGDATA" -U "\$POSTGRES_USER" --pwfile="\$pwfile" --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --locale=C >/dev/null
  rm -f "\$pwfile"
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"\$PGDATA/pg_hba.conf"
  echo "host all all ::/0 scram-sha-256" >>"\$PGDATA/pg_hba.conf"
fi
echo "sandbox stand-in postgres (NOT the official postgres image) starting on port \$PGPORT"
exec postgres -D "\$PGDATA" -p "\$PGPORT" -c listen_addresses="\$POSTGRES_LISTEN" -c unix_socket_directories=/var/run/postgresql
SH
  chmod 755 "$root/usr/local/bin/standin-postgres"
  tar -C "$root" -c . | docker import \
    --change 'USER 101' \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENTRYPOINT ["/usr/local/bin/standin-postgres"]' \
    --change 'LABEL sandbox.standin=true org.opencontainers.image.title="Sandbox stand-in PostgreSQL (not the official image)"' \
    - "$tag" >/dev/null
  echo "standins: built $tag"
}

# The double's image is rebuilt whenever its source changed, so a stale stand-in never answers
# for today's code: the image carries the hash of the sources it was built from.
double_source_hash() {
  find fixtures/Sandbox.VaultDouble harness/Sandbox.Harness \( -name bin -o -name obj \) -prune -o -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.yaml' \) -print \
    | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
}

build_double() {
  local tag=sandbox-standin/vault-double:0.1.0 hash current
  hash=$(double_source_hash)
  current=$(docker image inspect -f '{{ index .Config.Labels "sandbox.source-hash" }}' "$tag" 2>/dev/null || true)
  if [ "$current" = "$hash" ] && [ $force -eq 0 ]; then echo "standins: $tag present (source $hash)"; return; fi
  local root="$work/double"; base_rootfs "$root"
  dotnet publish fixtures/Sandbox.VaultDouble -c Release -o "$work/publish" --nologo -v q >/dev/null
  mkdir -p "$root/app" "$root/vault/file" "$root/vault/config" "$root/vault/logs"
  cp -a "$work/publish/." "$root/app/"
  local dn; dn=$(dirname "$(readlink -f "$(command -v dotnet)")")
  copy_closure "$root" "$dn/dotnet"
  put "$root" "$dn/host"; put "$root" "$dn/shared/Microsoft.NETCore.App"; put "$root" "$dn/shared/Microsoft.AspNetCore.App"
  local so; for so in $(find "$dn/shared" "$dn/host" -name '*.so'); do copy_closure "$root" "$so"; done
  # OpenSSL is loaded at run time (dlopen), so ldd cannot see it.
  copy_closure "$root" /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3
  ln -s "$dn/dotnet" "$root/usr/local/bin/dotnet"
  chown -R 100:1000 "$root/vault"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Stand-in for hashicorp/vault's entrypoint: `server ARGS` and `vault server ARGS` run the
# Sandbox Vault double (NOT HashiCorp Vault) with the same arguments.
set -e
[ "$1" = "vault" ] && shift
case "$1" in
  server) shift; exec dotnet /app/Sandbox.VaultDouble.dll server "$@" ;;
  *) echo "stand-in vault image: only 'server' is supported (got: $*)" >&2; exit 64 ;;
esac
SH
  chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
  tar -C "$root" -c . | docker import \
    --change 'USER 100' \
    --change 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0' \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'CMD ["server", "-config=/vault/config/vault.hcl"]' \
    --change "LABEL sandbox.standin=true sandbox.source-hash=$hash org.opencontainers.image.title=\"Sandbox Vault double stand-in (NOT HashiCorp Vault)\"" \
    - "$tag" >/dev/null
  echo "standins: built $tag"
}

command -v docker >/dev/null || { echo "standins: docker CLI missing" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "standins: no Docker daemon answers; start dockerd first" >&2; exit 1; }
build_postgres
build_double
