#!/usr/bin/env bash
# Runs every test of the repository: builds the solution once, then each test project in turn, each of
# which starts the services it needs (its own PostgreSQL on a free loopback port, silos, gateway).
# Installs what a fresh Debian machine lacks (PostgreSQL server binaries; Chromium for the browser tests,
# which Playwright drives from /usr/bin/chromium: its own browser download is not used). Exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"
results="TestResults"

need_install=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_install+=(postgresql)
[ -x /usr/bin/chromium ] || need_install+=(chromium)
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
for project in Deployment Database Identity Gateway Silo Load EndToEnd; do
  path="tests/SaaSReference.$project.Tests"
  [ -d "$path" ] || continue
  log="$results/$project.log"
  mkdir -p "$results"
  echo "== $project"
  set +e
  dotnet test "$path" -c "$configuration" --no-build -nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$project.trx" \
    --results-directory "$results" 2>&1 | tee "$log" \
    | grep -E '^\s+(Passed|Failed|Skipped) |Standard Output|^ [^ ]|Error Message|Total tests' || true
  code=${PIPESTATUS[0]}
  set -e
  trx="$results/$project.trx"
  counters=$(grep -o '<Counters [^>]*>' "$trx" 2>/dev/null || true)
  if [ -z "$counters" ]; then
    echo "$project: no test results (exit $code); see $log" >&2
    status=1
    continue
  fi
  count() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$counters"; }
  p=$(count passed); f=$(count failed); t=$(count total); e=$(count executed)
  s=$((t - e))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$code" -eq 0 ] || status=1
done

echo
echo "Total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
