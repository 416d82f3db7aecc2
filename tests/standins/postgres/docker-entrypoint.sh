#!/bin/sh
# Entrypoint of the stand-in image sandbox-standin/postgres:15 (NOT the official image).
# Written for this project; it keeps the contract of docker-library/postgres
# 15/bookworm/docker-entrypoint.sh:
#   * arguments that begin with '-' are arguments of `postgres` (so `-c name=value` works);
#   * as root: PGDATA is created, owned by postgres and 0700, then the script re-runs itself as
#     postgres (upstream: gosu; here: setpriv from util-linux);
#   * on an empty PGDATA: POSTGRES_PASSWORD is required unless POSTGRES_HOST_AUTH_METHOD=trust;
#     initdb --username=$POSTGRES_USER (default postgres) --pwfile=<the password>
#     $POSTGRES_INITDB_ARGS — with no --auth argument initdb trusts local and loopback
#     (127.0.0.1/32, ::1/128) connections, so unless told otherwise (--auth-host=... in
#     POSTGRES_INITDB_ARGS) any password logs in from loopback;
#   * pg_hba.conf gets `host all all all $POSTGRES_HOST_AUTH_METHOD` appended (default: the
#     server's password_encryption, scram-sha-256 in 15) — after initdb's loopback lines;
#   * a temporary server with no TCP listener (listen_addresses='') runs while POSTGRES_DB
#     (default: the user's name) is created unless it is postgres, and
#     /docker-entrypoint-initdb.d/*.sh and *.sql run (an executable *.sh runs as a child, any
#     other *.sh is sourced: upstream docker_process_init_files); then it stops (fast). The
#     -c arguments reach it too, before listen_addresses='' and -p ${PGPORT:-5432}, which win
#     (upstream docker_temp_server_start), so nothing can connect over TCP during init;
#   * finally `exec postgres ARGS`, so every -c argument reaches the real server.
set -e

case "$1" in
  -*) set -- postgres "$@" ;;
esac

if [ "$1" != postgres ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'EOF'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       (or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password)
EOF
    exit 1
  fi
  user="${POSTGRES_USER:-postgres}"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as upstream
  initdb --username="$user" --pwfile="$pwfile" $POSTGRES_INITDB_ARGS
  rm -f "$pwfile"

  shift
  method="${POSTGRES_HOST_AUTH_METHOD:-$(postgres -C password_encryption "$@")}"
  if [ "$method" = trust ]; then
    echo "WARNING: POSTGRES_HOST_AUTH_METHOD=trust: every connection is allowed without a password" >&2
  fi
  printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"

  port="${PGPORT:-5432}"
  pg_ctl -D "$PGDATA" -w -o "$* -c listen_addresses='' -p $port" start
  export PGPASSWORD="$POSTGRES_PASSWORD"
  db="${POSTGRES_DB:-$user}"
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --no-psqlrc -U "$user" -d postgres -p "$port" -c "CREATE DATABASE \"$db\";"
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          echo "running $f"; "$f"
        else
          echo "sourcing $f"; . "$f"
        fi
        ;;
      *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --no-psqlrc -U "$user" -d "$db" -p "$port" -f "$f" ;;
      *) if [ -e "$f" ]; then echo "ignoring $f"; fi ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "PostgreSQL init process complete; ready for start up."
  set -- postgres "$@"
fi

exec "$@"
