#!/usr/bin/env bash
# The connection-per-request case alone, this build against another (BEFORE_JAR), rounds interleaved:
# CPU per request (/proc/PID/stat user + system over a wrk run with Connection: close) and system calls per
# request (strace -c -f on every thread of the gateway during one such run; strace slows the process, the count
# per request does not depend on that). Both gateways proxy the same 2 KB file from one nginx.
# Usage: BEFORE_JAR=old.jar bench/connclose.sh [rounds] [seconds]   (defaults: 6 rounds, 4 s)
#        PROXY_BENCH_PORTS=19180 ...   first of the 5 ports it uses (default 18180)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
ROUNDS=${1:-6}; SECS=${2:-4}
JAR=gateway/target/grafana-ha-gateway.jar
BEFORE_JAR=${BEFORE_JAR:?set BEFORE_JAR to the jar to compare with}
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
P=${PROXY_BENCH_PORTS:-18180}
BACKEND=$P; A=$((P + 1)); B=$((P + 2)); A_ADMIN=$((P + 3)); B_ADMIN=$((P + 4))
bench_workdir
trap bench_cleanup EXIT
# The health file the gateway's checks need (without it the backend is down and every answer a 503), and 2 KB of x.
bench_www
head -c 2048 /dev/zero | tr '\0' 'x' > "$W/www/search.json"
bench_backend "$BACKEND"
bench_gateway a "$JAR" "$A" "$A_ADMIN" "$BACKEND"
bench_gateway b "$BEFORE_JAR" "$B" "$B_ADMIN" "$BACKEND"
for port in $A $B; do
  bench_wait_url "http://127.0.0.1:$port/search.json" || { echo "port $port did not answer"; cat "$W/logs/"*; exit 1; }
done
TICK=$(getconf CLK_TCK)
close_run() { wrk -t2 -c64 -d"${SECS}s" -H 'Connection: close' "http://127.0.0.1:$1/search.json" | awk '/requests in/ {print $1}'; }
echo "warming up (20 s each, keep-alive and close)"
for port in $A $B; do wrk -t2 -c64 -d10s "http://127.0.0.1:$port/search.json" > /dev/null; close_run "$port" > /dev/null; close_run "$port" > /dev/null; done
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for side in a b; do
    pid=${pids[0]}; port=$A; [ $side = b ] && { pid=${pids[1]}; port=$B; }
    t0=$(bench_cpu_ticks "$pid"); n=$(close_run "$port"); t1=$(bench_cpu_ticks "$pid")
    awk -v s=$side -v d=$((t1 - t0)) -v n="$n" -v hz="$TICK" -v r="$r" \
      'BEGIN { printf "round %d %s cpu_us_per_req %.1f (%d requests)\n", r, (s == "a" ? "after " : "before"), d / hz * 1e6 / n, n }'
  done
done
for side in a b; do
  pid=${pids[0]}; port=$A; [ $side = b ] && { pid=${pids[1]}; port=$B; }
  strace -c -f -p "$pid" -o "$W/strace.$side" & sp=$!
  sleep 2   # strace attaches to every thread
  n=$(close_run "$port")
  kill -INT $sp; wait $sp 2>/dev/null || true
  calls=$(awk '$NF == "total" {print $4}' "$W/strace.$side")
  echo "$([ $side = a ] && echo after || echo before) syscalls: $calls over $n requests = $(awk -v c="$calls" -v n="$n" 'BEGIN{printf "%.1f", c/n}') per request"
  sort -k4 -n -r "$W/strace.$side" | awk 'NR > 2 && $NF != "total" && NF >= 5 {print "   ", $NF, $4}' | head -12
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
