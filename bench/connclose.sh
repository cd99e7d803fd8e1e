#!/usr/bin/env bash
# The connection-per-request case alone, this build against another (BEFORE_JAR), rounds interleaved:
# CPU per request (/proc/PID/stat user + system over a wrk run with Connection: close) and system calls per
# request (strace -c -f on every thread of the gateway during one such run; strace slows the process, the count
# per request does not depend on that). Both gateways proxy the same 2 KB file from one nginx.
# Usage: BEFORE_JAR=old.jar bench/connclose.sh [rounds] [seconds]   (defaults: 6 rounds, 4 s)
#        PROXY_BENCH_PORTS=19180 ...   first of the 5 ports it uses (default 18180)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-6}; SECS=${2:-4}
JAR=gateway/target/grafana-ha-gateway.jar
BEFORE_JAR=${BEFORE_JAR:?set BEFORE_JAR to the jar to compare with}
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
P=${PROXY_BENCH_PORTS:-18180}
BACKEND=$P; A=$((P + 1)); B=$((P + 2)); A_ADMIN=$((P + 3)); B_ADMIN=$((P + 4))
W=$(mktemp -d); chmod 755 "$W"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$W/backend.pid" ] && kill "$(cat "$W/backend.pid")" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p "$W/www" "$W/logs"
head -c 2048 /dev/zero | tr '\0' 'x' > "$W/www/search.json"; chmod -R a+rX "$W/www"
cat > "$W/backend.conf" <<CONF
worker_processes 2;
pid $W/backend.pid;
error_log $W/logs/backend-error.log warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$BACKEND backlog=4096; root $W/www; default_type application/json; } }
CONF
nginx -p "$W" -c "$W/backend.conf"
for side in a b; do
  port=$A; admin=$A_ADMIN; jar=$JAR
  [ $side = b ] && { port=$B; admin=$B_ADMIN; jar=$BEFORE_JAR; }
  printf 'listen: 127.0.0.1:%s\nadmin:\n  listen: 127.0.0.1:%s\nmode: failover\nbackends:\n  - name: nginx\n    url: http://127.0.0.1:%s\n    role: primary\n' \
    "$port" "$admin" "$BACKEND" > "$W/$side.yaml"
  java -Xmx256m -jar "$jar" run --config "$W/$side.yaml" > "$W/logs/$side.log" 2>&1 &
  pids+=($!)
done
for port in $A $B; do
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/search.json" && break; sleep 0.2; done
done
TICK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
close_run() { wrk -t2 -c64 -d"${SECS}s" -H 'Connection: close' "http://127.0.0.1:$1/search.json" | awk '/requests in/ {print $1}'; }
echo "warming up (20 s each, keep-alive and close)"
for port in $A $B; do wrk -t2 -c64 -d10s "http://127.0.0.1:$port/search.json" > /dev/null; close_run "$port" > /dev/null; close_run "$port" > /dev/null; done
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for side in a b; do
    pid=${pids[0]}; port=$A; [ $side = b ] && { pid=${pids[1]}; port=$B; }
    t0=$(ticks "$pid"); n=$(close_run "$port"); t1=$(ticks "$pid")
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
