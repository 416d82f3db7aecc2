#!/bin/sh
# Entrypoint of the stand-in image sandbox-standin/vault-double (the Sandbox Vault double,
# NOT HashiCorp Vault). Written for this project; it keeps the contract of the official
# image's entrypoint, hashicorp/vault .release/docker/docker-entrypoint.sh (OpenBao's
# .release/docker/docker-entrypoint.sh is the same contract under /openbao and user openbao):
#   * no core dumps (ulimit -c 0);
#   * VAULT_LOCAL_CONFIG, when set, is written to /vault/config/local.json before anything else,
#     whatever the command (so `server` reads it through -config=/vault/config). The double reads
#     HCL only: the stand-in's `vault` refuses that JSON file at `server`, naming it;
#   * arguments that begin with '-' are arguments of `vault`;
#   * `server ARGS` becomes `vault server -config=/vault/config -dev-root-token-id=...
#     -dev-listen-address=... ARGS`: the config directory is always added, so a config mounted
#     into /vault/config would be read twice if also named with -config;
#   * `version` and other vault subcommands run `vault`; anything else runs as given;
#   * when `vault` runs: /vault/config, /vault/logs and /vault/file are chowned to the vault
#     user unless SKIP_CHOWN is set (a refused chown of /vault/config is only reported; of
#     /vault/logs or /vault/file it kills the container, under `set -e`); `setcap cap_ipc_lock=+ep` on the binary unless SKIP_SETCAP
#     is set, under `set -e`, so a refused setcap kills the container; as root, it drops to the
#     vault user (upstream: su-exec; here: setpriv from util-linux).
# Stricter than upstream on one point, on purpose: this stand-in carries no file-capability
# support (no setcap), so it ALWAYS dies at the setcap step unless SKIP_SETCAP is set — as
# recent images do wherever file capabilities are refused (OpenBao's image runs as USER
# openbao; rootless and user-namespaced daemons refuse CAP_SETFCAP). Vault's Helm chart sets
# SKIP_SETCAP=true for this reason.
set -e

ulimit -c 0

config_dir=/vault/config

# As upstream: "pass some Vault configuration JSON without having to bind any volumes".
if [ -n "$VAULT_LOCAL_CONFIG" ]; then
  echo "$VAULT_LOCAL_CONFIG" >"$config_dir/local.json"
fi

case "$1" in
  -*) set -- vault "$@" ;;
esac

if [ "$1" = server ]; then
  shift
  set -- vault server \
    -config="$config_dir" \
    -dev-root-token-id="$VAULT_DEV_ROOT_TOKEN_ID" \
    -dev-listen-address="${VAULT_DEV_LISTEN_ADDRESS:-0.0.0.0:8200}" \
    "$@"
elif [ "$1" = version ]; then
  set -- vault "$@"
fi

if [ "$1" = vault ]; then
  if [ -z "$SKIP_CHOWN" ]; then
    if [ "$(stat -c %u /vault/config)" != "$(id -u vault)" ]; then
      chown -R vault:vault /vault/config || echo "Could not chown /vault/config (may not have appropriate permissions)"
    fi
    for dir in /vault/logs /vault/file; do
      if [ "$(stat -c %u "$dir")" != "$(id -u vault)" ]; then
        chown -R vault:vault "$dir"
      fi
    done
  fi

  if [ -z "$SKIP_SETCAP" ]; then
    echo "stand-in: setcap cap_ipc_lock=+ep $(readlink -f "$(command -v vault)") (set SKIP_SETCAP=true to skip, as Vault's Helm chart does)" >&2
    setcap cap_ipc_lock=+ep "$(readlink -f "$(command -v vault)")"
  fi

  if [ "$(id -u)" = 0 ]; then
    set -- setpriv --reuid=vault --regid=vault --init-groups "$@"
  fi
fi

exec "$@"
