#!/usr/bin/env bash
# Publishes the Vault double (NOT HashiCorp Vault) as one ReadyToRun composite image with its own
# .NET runtime into fixtures/Sandbox.VaultDouble/bin/composite/, when one of its inputs changed
# since the last publish. VaultBinaryLocator prefers that folder when it is at least as new as the
# plain build output (bin/Release, bin/Debug).
#
# Why: a JIT-built double compiles about 7,000 methods at every start (ASP.NET Core's and Npgsql's
# generic code instantiated over the double's types, which a framework-dependent ReadyToRun image
# cannot hold). The composite compiles them ahead of time together with the runtime, and a
# sandbox's Vault then starts on less CPU (bench/README.md, "Vault double").
# Costs: about 2 minutes on 2 cores, once per change of the double or the library; ~150 MB.
# Tiered compilation stays on: the few methods the composite lacks are then compiled quickly (Tier 0)
# rather than fully optimised. The process runtime starts the double with a 5 s tier-up delay
# (VaultDoubleTierUp), so a sandbox's start burst does not pay for re-compiling hot methods; with
# that delay a sandbox's double used 0.43 CPU-s during 'up' (median of 7), against 0.46 with tiering
# off and 0.77 for the plain build (bench/README.md, "Vault double").
#
# A build shows progress on stderr; its output only shows when it fails. Two calls at once build
# once (flock). Exit 0 when the composite is fresh, the exit code of dotnet publish otherwise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

out="$root/fixtures/Sandbox.VaultDouble/bin/composite"
dll="$out/Sandbox.VaultDouble.dll"
stamp="$out/.vault-double-publish.stamp"
intermediate="$root/fixtures/Sandbox.VaultDouble/bin/composite-build"
inputs=(fixtures/Sandbox.VaultDouble harness/Sandbox.Harness fixtures/denylist.yaml Directory.Build.props Directory.Packages.props global.json nuget.config scripts/publish-vault-double.sh)

stale() {
  [[ -f "$dll" && -f "$stamp" ]] || return 0
  local newer
  newer="$(cd "$root" && find "${inputs[@]}" \( -name bin -o -name obj \) -prune -o -newer "$stamp" -print -quit 2>/dev/null || true)"
  [[ -n "$newer" ]]
}

publish() {
  local why="$1" log started ticker rc=0
  echo "publishing the Vault double as a ReadyToRun composite ($why, ~2 min)…" >&2
  log="$(mktemp "${TMPDIR:-/tmp}/vault-double-publish.XXXXXX")"
  started=$SECONDS
  # The stamp takes the time the publish started: an edit made meanwhile triggers the next one.
  local next_stamp="$root/fixtures/Sandbox.VaultDouble/bin/.vault-double-publish.stamp.next"
  touch "$next_stamp"
  # The ticker's sleep dies with it: left running it would hold stderr open for up to 15 s.
  ( s=""; trap '[[ -n "$s" ]] && kill "$s" 2>/dev/null; exit 0' TERM
    while :; do sleep 15 & s=$!; wait "$s"; echo "  … still publishing the Vault double ($((SECONDS - started)) s)" >&2; done ) &
  ticker=$!
  # Into a fresh folder first, then swapped in: a sandbox starting meanwhile keeps the old files.
  rm -rf "$out.next"
  # Its own intermediate folder: a publish for one runtime identifier restores into obj/ with that
  # identifier, and the next plain `dotnet build` would then recompile the library and write a
  # Sandbox.Harness.dll newer than the composite's, so the locator would run the plain double.
  dotnet publish "$root/fixtures/Sandbox.VaultDouble/Sandbox.VaultDouble.csproj" -c Release -o "$out.next" \
    --artifacts-path "$intermediate" --use-current-runtime --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
    -v q --tl:off -nologo >"$log" 2>&1 || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if (( rc != 0 )); then
    cat "$log" >&2
    rm -rf "$log" "$next_stamp" "$out.next"
    echo "the Vault double did not publish (dotnet publish exit $rc): see the lines above" >&2
    return "$rc"
  fi

  rm -f "$log"
  mv -f "$next_stamp" "$out.next/.vault-double-publish.stamp"
  rm -rf "$out.old"
  if [[ -d "$out" ]]; then mv "$out" "$out.old"; fi
  mv "$out.next" "$out"
  # The previous publish stays in bin/composite.old until the next one: a double started from it
  # still loads its assemblies lazily from there.
  echo "published the Vault double in $((SECONDS - started)) s" >&2
}

if stale; then
  mkdir -p "$(dirname "$out")"
  exec 9>"$(dirname "$out")/.vault-double-publish.lock"
  flock 9
  if stale; then
    if [[ -f "$dll" ]]; then publish "sources changed since the last publish"; else publish "first run"; fi
  fi
fi
