#!/usr/bin/env bash
# Runs every test of the repository: builds the solution once, then each test project in turn, each of
# which starts the services it needs (its own PostgreSQL on a free loopback port, silos, gateway).
# Installs what a fresh Debian machine lacks (PostgreSQL server binaries). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"
results="TestResults"

need_install=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_install+=(postgresql)
if [ ${#need_install[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${need_install[*]}. Install them (sudo apt-get install ${need_install[*]}) and run again." >&2
    exit 2
  fi
  echo "Installing ${need_install[*]} ..."
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_install[@]}" >/dev/null
fi

dotnet build SaaSReference.sln -c "$configuration" -nologo -clp:ErrorsOnly

rm -rf "$results"
passed=0; failed=0; skipped=0; status=0
# Fast suites first, the multi-process end-to-end suite last.
for project in Deployment Database Gateway Silo EndToEnd; do
  path="tests/SaaSReference.$project.Tests"
  [ -d "$path" ] || continue
  log="$results/$project.log"
  mkdir -p "$results"
  echo "== $project"
  set +e
  dotnet test "$path" -c "$configuration" --no-build -nologo \
    --logger "console;verbosity=normal" --results-directory "$results" 2>&1 | tee "$log" \
    | grep -E '^\s+(Passed|Failed|Skipped) |Standard Output|^\s{4}[^ ]|Passed!|Failed!' || true
  code=${PIPESTATUS[0]}
  set -e
  line=$(grep -E '(Passed|Failed)! +- Failed: ' "$log" | tail -n 1 || true)
  if [ -z "$line" ]; then
    echo "$project: no test summary (exit $code); see $log" >&2
    status=1
    continue
  fi
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$line")
  s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$code" -eq 0 ] || status=1
done

echo
echo "Total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
