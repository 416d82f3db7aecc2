#!/usr/bin/env bash
# Sums the counters of every TRX file under DIR and prints "N passed, N failed, N skipped".
# Not-executed tests (NUnit's ignored ones) count as skipped; errors and timeouts as failed.
set -euo pipefail
dir="${1:?usage: summarize-trx.sh DIR [EXIT_CODE]}"
rc="${2:-0}"
passed=0 failed=0 skipped=0 files=0
while IFS= read -r -d '' trx; do
  files=$((files + 1))
  line=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$line"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted) + $(get inconclusive)))
done < <(find "$dir" -name '*.trx' -print0)
if [ "$files" -eq 0 ]; then
  echo "no test results found under $dir (the build or the test host failed before any test ran)"
  echo "0 passed, 1 failed"
  exit 1
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # dotnet test failed outside any test (a build error, a crashed test host): never report green.
  echo "the test command exited with $rc although no test failed: see the build or test-host errors above"
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
