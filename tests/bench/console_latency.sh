#!/usr/bin/env bash
# Console page latency, for BENCHMARKS.md: a one-validator chain, N cases opened through
# the console's own form (each sealed on the node and committed: two blocks), then each
# main page fetched R times with one signed-in session. Prints the time to open the cases
# and, per page, the median and 95th percentile of curl's time_total.
#
#   tests/bench/console_latency.sh [UNCHAIN_BIN] [N_CASES] [ROUNDS]
set -euo pipefail
BIN=${1:-target/release/unchain}
N=${2:-500}
R=${3:-200}
DIR=$(mktemp -d)
NODE=""
cleanup() { [ -n "$NODE" ] && kill "$NODE" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

"$BIN" --log warn init "$DIR/c" --chain-id latency --api 127.0.0.1:0 --validators 1 \
  --p2p "127.0.0.1:$((20000 + RANDOM % 20000))" --org th-dsi:TH >/dev/null
"$BIN" --log warn node --config "$DIR/c/node.toml" 2>"$DIR/node.log" &
NODE=$!
for _ in $(seq 100); do [ -s "$DIR/c/data/api.addr" ] && break; sleep 0.1; done
B="http://$(cat "$DIR/c/data/api.addr")"
printf 'correct horse battery staple' | "$BIN" --log warn user add bench --role investigator \
  --password-stdin --config "$DIR/c/node.toml" >/dev/null 2>&1
JAR="$DIR/jar"
token() { grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
LOGIN=$(curl -s -c "$JAR" "$B/console/login" | token)
curl -s -o /dev/null -b "$JAR" -c "$JAR" "$B/console/login" --data-urlencode user=bench \
  --data-urlencode "password=correct horse battery staple" --data-urlencode "csrf=$LOGIN"
CSRF=$(curl -s -b "$JAR" "$B/console/cases/new" | token)

start=$(date +%s.%N)
for i in $(seq "$N"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$B/console/cases" \
    --data-urlencode "csrf=$CSRF" --data-urlencode "case=BENCH/$i" --data-urlencode kind=case \
    --data-urlencode "summary=Synthetic case $i for the latency benchmark.")
  [ "$code" = 303 ] || { echo "case $i: HTTP $code" >&2; exit 1; }
done
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$N" \
  'BEGIN { printf "opened %d cases through the console in %.1f s (%.1f ms each)\n", n, e - s, (e - s) * 1000 / n }'

measure() {
  local path=$1
  curl -s -o /dev/null -b "$JAR" "$B$path" # warm
  for _ in $(seq "$R"); do curl -s -o /dev/null -w '%{time_total}\n' -b "$JAR" "$B$path"; done \
    | sort -n | awk -v p="$path" '{ t[NR] = $1 * 1000 } END {
        printf "%-40s median %6.2f ms   p95 %6.2f ms   (n=%d)\n", p, t[int((NR + 1) / 2)], t[int(NR * 0.95)], NR }'
}
for path in /console "/console/cases" "/console/cases?page=5" "/console/cases?q=BENCH%2F25" \
  "/console/case?id=BENCH%2F250" /console/custody /console/alerts /console/identity /console/ledger; do
  measure "$path"
done
