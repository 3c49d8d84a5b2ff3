#!/bin/bash
# Sealing latency with five identifiers on a 4-validator chain (BENCHMARKS.md, "Vault:
# threshold blind tokens"): `unchain vault seal` under the shared HMAC key, then again
# after `unchain vault token-key open` made the threshold key. Four node processes on
# 127.0.0.1 ports 27900-27903 (API) and 27950-27953 (p2p).
#
#   cargo build --release -p unchain-cli
#   bash tests/bench/seal_latency.sh target/release/unchain 9
set -e
BIN=$1; RUNS=${2:-9}
DIR=$(mktemp -d /tmp/sealbench.XXXX)
API=27900; P2P=27950
$BIN --log warn init $DIR --chain-id sealbench --api 127.0.0.1:$API --p2p 127.0.0.1:$P2P --validators 4 \
  --org th-a:TH --org th-b:TH --org ng-c:NG --org ph-d:PH >/dev/null
PIDS=()
for cfg in node.toml node-th-b.toml node-ng-c.toml node-ph-d.toml; do
  UNCHAIN_LOG=warn $BIN node --config $DIR/$cfg > $DIR/log-$cfg.txt 2>&1 &
  PIDS+=($!)
done
trap 'kill ${PIDS[@]} 2>/dev/null; rm -rf $DIR' EXIT
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$API/v1/status >/dev/null && break; sleep 0.2; done
echo "FICTIONAL bench note" > $DIR/note.txt
seal() {
  $BIN --log warn vault seal $DIR/note.txt --schema case.note \
    --identifier "phone:+66 81 234 $1" --identifier "email:bench$1@example.org" \
    --identifier "iban:GB82 WEST 1234 5698 7654 32" --identifier "url:https://example.org/ad/$1" \
    --identifier "name_dob:Bench Person $1|1990-01-31" \
    --key $DIR/keys/th-a.json --node http://127.0.0.1:$API --actor u-bench >/dev/null 2>&1
}
measure() {
  local label=$1; local times=()
  for r in $(seq 1 $RUNS); do
    local t0=$(date +%s%N); seal $((5000 + r)); local t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "%s: median %d ms (min %d, max %d, n=%d)\n", l, a[int((NR+1)/2)], a[1], a[NR], NR}'
}
seal 4999
measure "shared HMAC key, 5 identifiers"
$BIN --log warn vault token-key open --player th-a --player th-b --player ng-c --player ph-d \
  --key $DIR/keys/th-a.json --node http://127.0.0.1:$API --actor u-bench >/dev/null 2>&1
seal 4998
measure "threshold key (3 of 4), 5 identifiers"
