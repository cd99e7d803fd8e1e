#!/usr/bin/env bash
# Event-loop allocation and CPU per request of two gateway builds, side by side in front of one nginx backend
# (2 KB /search.json, keep-alive, wrk -t2 -c64), rounds interleaved A B B A so that a busy minute hits both alike.
# Allocation comes from JFR's jdk.ThreadAllocationStatistics on the event-loop threads ("...-event-loop-..." or
# "...EventLoop..." names), read at the start and the end of each run and divided by the requests wrk counted; it
# does not depend on the machine's load, unlike the CPU figure (user + system ticks of the JVM, /proc/PID/stat).
# Usage: BEFORE_JAR=old.jar [AFTER_JAR=new.jar] bench/alloc.sh [rounds] [seconds]    (defaults: 2 rounds of 10 s after 4 x 10 s warm-up each)
#        ALLOC_BENCH_PORTS=19280 bench/alloc.sh ...               the 5 ports it uses start there (default 18280)
#        ALLOC_LOAD=close bench/alloc.sh ...                      a new connection per request (Connection: close)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}; SECS=${2:-10}
JAR=${AFTER_JAR:-gateway/target/grafana-ha-gateway.jar}
BEFORE_JAR=${BEFORE_JAR:?BEFORE_JAR=<the build to compare with>}
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
P=${ALLOC_BENCH_PORTS:-18280}; BACKEND=$P
bench_workdir
trap bench_cleanup EXIT
bench_www
bench_backend "$BACKEND"
bench_alloc_jfc
declare -A PID PORT
start() { # name jar port
  bench_gateway "$1" "$2" "$3" $(( $3 + 1 )) "$BACKEND" $'access-log:\n  enabled: false'
  PID[$1]=${pids[-1]}; PORT[$1]=$3
  bench_wait_url "http://127.0.0.1:$3/search.json" || { echo "$1 did not answer"; cat "$W/logs/$1.log"; exit 1; }
}
start after "$JAR" $((P + 1))
start before "$BEFORE_JAR" $((P + 3))
TICK=$(getconf CLK_TCK)
LOAD=(); [ "${ALLOC_LOAD:-}" = close ] && LOAD=(-H "Connection: close")
for _ in 1 2; do for n in after before; do wrk -t2 -c64 -d"${SECS}s" "${LOAD[@]}" "http://127.0.0.1:${PORT[$n]}/search.json" > /dev/null; done; done
# Allocated bytes of the event-loop threads in one recording: last value minus first, per thread, summed.
loop_bytes() {
  jfr print --json --events jdk.ThreadAllocationStatistics "$1" | python3 -c '
import json, re, sys
first, last = {}, {}
for e in json.load(sys.stdin)["recording"]["events"]:
    v = e["values"]; name = (v.get("thread") or {}).get("javaName") or ""
    if re.search(r"[Ee]vent-?[Ll]oop", name):
        first.setdefault(name, v["allocated"]); last[name] = v["allocated"]
print(sum(last[t] - first[t] for t in first))'
}
run() { # name round
  local n=$1 pid=${PID[$1]} f="$W/$1-$2.jfr"
  jcmd "$pid" JFR.start name=alloc settings="$W/alloc.jfc" > /dev/null
  local t0; t0=$(bench_cpu_ticks "$pid")
  local out; out=$(wrk -t2 -c64 -d"${SECS}s" "${LOAD[@]}" "http://127.0.0.1:${PORT[$n]}/search.json")
  local t1; t1=$(bench_cpu_ticks "$pid")
  jcmd "$pid" JFR.stop name=alloc filename="$f" > /dev/null
  local req; req=$(awk '/requests in/ {print $1}' <<< "$out")
  local bytes; bytes=$(loop_bytes "$f")
  awk -v n="$n" -v r="$2" -v req="$req" -v b="$bytes" -v dt=$((t1 - t0)) -v tick="$TICK" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%-7s round %d  %8d req  %6.0f req/s  alloc %5.2f KB/req  cpu %6.1f us/req  load %s\n", n, r, req, req / '"$SECS"', b / req / 1024, dt / tick * 1e6 / req, load }'
}
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 )); then run after "$r"; run before "$r"; else run before "$r"; run after "$r"; fi
done
