#!/usr/bin/env bash
# Turns the output of 'dotnet test ... --logger "console;verbosity=normal"' (on stdin) into progress:
# a line when a test project starts and when it ends (with its counts), every failure as it happens,
# build errors, and between them a running count — a live line on a terminal, a plain line every
# 20 s otherwise — so that a long test project never leaves the screen silent.
set -uo pipefail
live=0
[ -t 1 ] && live=1
project="" passed=0 failed=0 skipped=0 total_done=0 last=$SECONDS started=$SECONDS
status() {
  local text="  ${project:-tests}: $passed passed, $failed failed, $skipped skipped ($((SECONDS - started)) s)"
  if [ "$live" -eq 1 ]; then printf '\r\033[K%s' "$text"; else echo "$text"; fi
}
clear_live() { [ "$live" -eq 1 ] && printf '\r\033[K'; return 0; }
while IFS= read -r line; do
  case "$line" in
    "Test run for "*)
      clear_live
      project=$(sed -n 's|^Test run for .*/\([^/]*\)\.dll .*|\1|p' <<<"$line")
      passed=0 failed=0 skipped=0
      echo "▶ $project: started"
      ;;
    *"  Passed "*) passed=$((passed + 1)) ;;
    *"  Skipped "*) skipped=$((skipped + 1)) ;;
    *"  Failed "*)
      failed=$((failed + 1))
      clear_live
      echo "✘ ${line#"${line%%[![:space:]]*}"}"
      ;;
    "Total tests: "*)
      clear_live
      echo "■ ${project:-tests}: finished — $passed passed, $failed failed, $skipped skipped ($((SECONDS - started)) s since the start)"
      ;;
    "Passed!"*|"Failed!"*|*"error CS"*|*"error MSB"*|*"error NU"*|*"Test Run Aborted"*|*"The active test run was aborted"*)
      clear_live
      echo "${line#"${line%%[![:space:]]*}"}"
      ;;
  esac
  total_done=$((passed + failed + skipped))
  if [ "$live" -eq 1 ] && [ "$total_done" -gt 0 ]; then
    status
  elif [ $((SECONDS - last)) -ge 20 ]; then
    status
    last=$SECONDS
  fi
done
clear_live
