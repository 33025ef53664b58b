#!/usr/bin/env bash
# Cross-checks the runner against wrk (issue: RPS and p50/p99 agree within 10 %). Both load the same loopback
# endpoint with the same number of connections for the same time; wrk is a closed-model tool, so the runner
# uses its closed model (--copies = wrk's -c). Without a URL, the runner's own `serve` endpoint is started on
# 127.0.0.1:5599 and stopped at the end.
#   usage: load/crosscheck.sh [http://127.0.0.1:PORT/path]     env: CONNECTIONS=16 DURATION=10 THREADS=2 TOLERANCE=10
#   PIN=SERVER_CPUS:CLIENT_CPUS (e.g. PIN=0:1) runs the started endpoint and the load generator (wrk, then the runner) on
#   cores of their own with taskset, so the generator does not compete with the endpoint for CPU (the saturating case).
# Exit code 0 when all three figures agree within TOLERANCE percent, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
connections="${CONNECTIONS:-16}"; duration="${DURATION:-10}"; threads="${THREADS:-2}"; tolerance="${TOLERANCE:-10}"
server_delay="${SERVER_DELAY:-5ms}"
url="${1:-}"
pin="${PIN:-}"; server_pin=(); client_pin=()
if [ -n "$pin" ]; then
  [[ "$pin" =~ ^[0-9,-]+:[0-9,-]+$ ]] || { echo "PIN is SERVER_CPUS:CLIENT_CPUS, e.g. 0:1" >&2; exit 2; }
  command -v taskset >/dev/null || { echo "taskset is missing (util-linux)" >&2; exit 2; }
  server_pin=(taskset -c "${pin%%:*}"); client_pin=(taskset -c "${pin##*:}")
fi

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then echo "wrk is missing: sudo apt-get install wrk" >&2; exit 2; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
fi
command -v jq >/dev/null || { echo "jq is missing: apt-get install jq" >&2; exit 2; }

dotnet build load/SaaSReference.Load -c Release -nologo -clp:ErrorsOnly >/dev/null
runner=load/SaaSReference.Load/bin/Release/net10.0/SaaSReference.Load
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "$url" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  url="http://127.0.0.1:$port/"
  delay_args=(); [ "$server_delay" != "0" ] && delay_args=(--delay "$server_delay")
  "${server_pin[@]}" "$runner" serve --port "$port" --duration "$((duration * 3 + 60))s" "${delay_args[@]}" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -fs "$url" >/dev/null 2>&1 && break; sleep 0.2; done
fi
[[ "$url" =~ ^https?://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/|$) ]] || { echo "Refusing $url: loopback only." >&2; exit 2; }

# wrk: a short warm-up first (the runner warms up for 1 s too), then the measured run.
"${client_pin[@]}" wrk -t"$threads" -c"$connections" -d1s "$url" >/dev/null
"${client_pin[@]}" wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$url" >"$work/wrk.txt"
"${client_pin[@]}" "$runner" http --url "$url" --copies "$connections" --duration "${duration}s" --warmup 1s --plain --reports "$work/reports" >"$work/runner.txt"

to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 }; printf "%.3f", v }'; }
wrk_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")
wrk_p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt" | to_ms)
wrk_p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt" | to_ms)
json=$(ls "$work"/reports/*/report.json)
step='.phases[0].scenarios[0].steps[0]'
run_rps=$(jq -r "$step.okRps" "$json"); run_p50=$(jq -r "$step.p50Ms" "$json"); run_p99=$(jq -r "$step.p99Ms" "$json")
run_failed=$(jq -r "$step.failed" "$json")

echo "endpoint $url (server delay ${server_delay}), $connections connections, ${duration}s, machine: $(nproc) cores, $(uname -sr)${pin:+, pinned endpoint:generator CPUs $pin}"
printf '%-8s %14s %14s %10s\n' measure wrk runner difference
status=0
row() {
  local diff
  diff=$(awk -v a="$2" -v b="$3" 'BEGIN { if (a == 0) print "n/a"; else printf "%+.1f %%", (b - a) / a * 100 }')
  printf '%-8s %14.3f %14.3f %10s\n' "$1" "$2" "$3" "$diff"
  awk -v a="$2" -v b="$3" -v t="$tolerance" 'BEGIN { d = (b - a) / a * 100; if (d < 0) d = -d; exit !(a > 0 && d <= t) }' || status=1
}
row RPS "$wrk_rps" "$run_rps"
row "p50 ms" "$wrk_p50" "$run_p50"
row "p99 ms" "$wrk_p99" "$run_p99"
echo "runner errors: $run_failed"
if [ "$status" -eq 0 ]; then echo "agree within ${tolerance} %"; else echo "differ by more than ${tolerance} % (see above)"; fi
exit $status
