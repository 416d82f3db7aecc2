#!/usr/bin/env bash
# Makes a Docker daemon available for the docker-runtime tests: installs Debian's docker.io
# when it is missing (root only) and starts dockerd when none answers. The daemon runs with
# no bridge network: sandbox containers use the host's loopback (--network host), so no
# traffic ever leaves 127.0.0.0/8. Prints one line; exit 0 when a daemon answers.
set -euo pipefail
if docker info >/dev/null 2>&1; then echo "docker: a daemon answers ($(docker version -f '{{.Server.APIVersion}}') API)"; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then echo "docker: no daemon answers and not root; start Docker yourself" >&2; exit 1; fi
if ! command -v dockerd >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
mkdir -p /var/log
# setsid: the daemon outlives the shell (and the process group) that started it.
setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false >/var/log/sandbox-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "docker: started dockerd ($(docker version -f '{{.Server.APIVersion}}') API)"; exit 0; fi
  sleep 0.5
done
echo "docker: dockerd did not answer within 30 s; see /var/log/sandbox-dockerd.log" >&2
exit 1
