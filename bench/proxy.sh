#!/usr/bin/env bash
# Proxy throughput, latency and CPU per request: the gateway side by side with HAProxy and nginx, each at
# its own defaults (HAProxy: one thread per core; nginx as a proxy: worker_processes auto), in front of
# the same nginx backend, rounds interleaved so that a busy minute hits every target alike.
# Usage: bench/proxy.sh [rounds] [seconds] ["connections ..."]   (defaults: 6 rounds, 5 s, "64 256 1000")
#        PROXY_BENCH_PORTS=19180 bench/proxy.sh ...   the 15 ports it uses start there (default 18180)
#        PROXY_BENCH_WARMUP=60 bench/proxy.sh ...     seconds of warm-up per gateway (default 30)
#        BEFORE_JAR=old.jar bench/proxy.sh ...   also runs that build as "gateway-before", for a before/after ratio
#        bench/proxy.sh 2 5 64                   a quick look (about two minutes)
#        GATEWAY_EXTRA=yaml BEFORE_EXTRA=yaml    configuration appended to each gateway's file, e.g. the access log's
#                                                cost: BEFORE_JAR=<same jar> BEFORE_EXTRA=$'access-log:\n  enabled: false'
#        BENCH_JVM_gateway=opts BENCH_JVM_gateway_before=opts   JVM options for each gateway, after -Xmx256m
#        BENCH_JAVA_gateway=path BENCH_JAVA_gateway_before=path   the java binary for each gateway (default: java)
#        PROXY_BENCH_FLOOR=1 bench/proxy.sh ...   also runs bench/FloorRelay.java as "floor": a bare Netty relay on the
#                                                gateway's JVM, transport and allocator, no HTTP (what the platform costs)
# Per round and connection count: a 2 KB and a 30 KB answer with keep-alive, and the 2 KB one with a new
# connection per request (at the first connection count). Prints medians: req/s, p50, p99, p99.9, the ratio to
# HAProxy, and microseconds of the proxy process's CPU (user + system, /proc/PID/stat) per request; and totals
# over the rounds of answers later than wrk's 2 s timeout (not in its percentiles) and of failed requests.
# Installs wrk, haproxy and nginx from Debian when missing, and builds the jar when missing.
# Everything listens on 127.0.0.1; everything started here is stopped on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
ROUNDS=${1:-6}; SECONDS_PER_RUN=${2:-5}; CONN_LIST=${3:-"64 256 1000"}
JAR=gateway/target/grafana-ha-gateway.jar
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
if ! command -v wrk >/dev/null || ! command -v haproxy >/dev/null || ! command -v nginx >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk haproxy nginx-light
fi
ulimit -n 20000 2>/dev/null || true   # 1,000 connections through a proxy are 2,000 descriptors

bench_workdir
cleanup() {
  if [ -n "${PROXY_BENCH_KEEP:-}" ] && [ -f "$W/results" ]; then cp "$W/results" "$PROXY_BENCH_KEEP"; fi   # raw rows
  bench_cleanup
}
trap cleanup EXIT

P=${PROXY_BENCH_PORTS:-18180}   # first of 15 ports; another base lets two runs share a machine
BACKEND=$P; NGINX_PROXY=$((P + 1)); HAPROXY=$((P + 2)); GATEWAY=$((P + 3)); GATEWAY_ADMIN=$((P + 13))
BEFORE=$((P + 4)); BEFORE_ADMIN=$((P + 14)); BEFORE_JAR=${BEFORE_JAR:-}; FLOOR=$((P + 5))
# The 2 KB search answer, and a 30 KB dashboard JSON shaped like Grafana's, the same on every run.
bench_www
python3 - "$W/www" <<'PY'
import json, sys
www = sys.argv[1]
panels, i = [], 0
while len(json.dumps(panels)) < 30000:
    panels.append({"id": i, "type": "timeseries", "title": f"CPU busy, core group {i}",
                   "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
                   "datasource": {"type": "prometheus", "uid": "prom"},
                   "targets": [{"refId": "A", "expr": f'sum by (instance) (rate(node_cpu_seconds_total{{mode!="idle",cpu=~"{i}.*"}}[$__rate_interval]))',
                                "legendFormat": "{{instance}}"}],
                   "fieldConfig": {"defaults": {"unit": "percentunit", "min": 0, "max": 1}, "overrides": []},
                   "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}}})
    i += 1
dashboard = {"meta": {"type": "db", "canSave": True, "slug": "node-exporter", "version": 12},
             "dashboard": {"uid": "node-exporter", "title": "Node exporter", "schemaVersion": 39, "version": 12,
                           "tags": ["linux"], "time": {"from": "now-6h", "to": "now"}, "panels": panels}}
open(f"{www}/dashboard.json", "w").write(json.dumps(dashboard, indent=1))
PY
chmod -R a+rX "$W/www"

bench_backend "$BACKEND"
# nginx as a proxy, in its own processes so its CPU can be told apart from the backend's.
cat > "$W/proxy.conf" <<CONF
worker_processes auto;
pid $W/proxy.pid;
error_log $W/logs/proxy-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$BACKEND; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PROXY backlog=4096;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$http_host; }
  }
}
CONF
nginx -p "$W" -c "$W/proxy.conf"

bench_haproxy "$HAPROXY" "$BACKEND"

bench_gateway gateway "$JAR" "$GATEWAY" "$GATEWAY_ADMIN" "$BACKEND" "${GATEWAY_EXTRA:-}"
targets="$BACKEND $NGINX_PROXY $HAPROXY $GATEWAY"
if [ -n "$BEFORE_JAR" ]; then   # BEFORE_EXTRA, when set, replaces GATEWAY_EXTRA there
  bench_gateway gateway-before "$BEFORE_JAR" "$BEFORE" "$BEFORE_ADMIN" "$BACKEND" "${BEFORE_EXTRA:-${GATEWAY_EXTRA:-}}"
  targets="$targets $BEFORE"
fi
if [ -n "${PROXY_BENCH_FLOOR:-}" ]; then   # compiled from source at start, so it gets the gateways' warm-up too
  setsid java -Xmx256m -cp "$JAR" bench/FloorRelay.java "$FLOOR" "$BACKEND" > "$W/logs/floor.log" 2>&1 &
  pids+=($!); FLOOR_PID=$!
  targets="$targets $FLOOR"
else
  FLOOR=
fi
for port in $targets; do
  bench_wait_url "http://127.0.0.1:$port/search.json" || { echo "port $port did not answer"; cat "$W/logs/"*; exit 1; }
done

# The processes whose CPU counts for each target (nginx: master and workers; the JVMs; HAProxy).
GATEWAY_PID=${pids[0]}
declare -A PROCS
PROCS[nginx]="$(cat "$W/proxy.pid") $(pgrep -P "$(cat "$W/proxy.pid")" | tr '\n' ' ')"
PROCS[haproxy]="$(cat "$W/haproxy.pid")"
PROCS[gateway]="$GATEWAY_PID"
[ -n "$BEFORE_JAR" ] && PROCS[gateway-before]="${pids[1]}"
[ -n "$FLOOR" ] && PROCS[floor]="$FLOOR_PID"
PROCS[backend-direct]="$(cat "$W/backend.pid") $(pgrep -P "$(cat "$W/backend.pid")" | tr '\n' ' ')"
TICK=$(getconf CLK_TCK)
FIRST_CONNS=${CONN_LIST%% *}

# The JVMs need far longer than 5 s to compile their hot paths when the cores are shared: a fresh gateway measured
# 200 µs of CPU per request in its first 8 s after a 5 s warm-up at load 10, and 75-96 µs in the next two runs.
# So each gateway gets PROXY_BENCH_WARMUP seconds (default 30) in slices, interleaved; the others 5 s, as before.
WARMUP=${PROXY_BENCH_WARMUP:-30}
echo "warming up: ${WARMUP} s per gateway (the JVM compiles its hot paths), 5 s for the others"
for port in ${targets#$BACKEND }; do
  case " $GATEWAY $BEFORE $FLOOR " in *" $port "*) ;; *) wrk -t2 -c"$FIRST_CONNS" -d5s "http://127.0.0.1:$port/search.json" > /dev/null ;; esac
done
# Every third slice opens a connection per request: that path (accept, pipeline set-up, close) is code of its own
# the JIT must compile too. Warmed on keep-alive only, the gateway served 7,400 and 7,800 req/s there in the first
# two rounds and 14,300 in the third (HAProxy: 17,100, 9,600, 16,100; bench/README, "io_uring instead of epoll").
slice=0
for _ in $(seq 1 $(( (WARMUP + 9) / 10 ))); do
  close=(); [ $(( slice++ % 3 )) = 2 ] && close=(-H "Connection: close")
  for port in $GATEWAY ${BEFORE_JAR:+$BEFORE} $FLOOR; do wrk -t2 -c"$FIRST_CONNS" -d10s "${close[@]}" "http://127.0.0.1:$port/search.json" > /dev/null; done
done

# One line per run: target path connections keep-alive req/s p50 p99 p99.9 (ms) cpu-us-per-request late errors.
# The percentiles all come from bench/percentiles.lua's line, already in ms (p99.9 was added there: the gateway's tail
# past p99 was where it differed most from HAProxy's).
run() { # name port path connections keepalive(yes|no)
  local extra=() before after out
  [ "$5" = no ] && extra=(-H "Connection: close")
  before=$(bench_cpu_ticks "${PROCS[$1]}")
  out=$(wrk -t2 -c"$4" -d"${SECONDS_PER_RUN}s" -s bench/percentiles.lua "${extra[@]}" "http://127.0.0.1:$2$3")
  after=$(bench_cpu_ticks "${PROCS[$1]}")
  local requests rps p50 p99 p999
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(percentile 50 "$out"); p99=$(percentile 99 "$out"); p999=$(percentile 99.9 "$out")
  local us; us=$(awk -v d=$((after - before)) -v n="$requests" -v hz="$TICK" 'BEGIN { printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0) }')
  # A p99 alone hid 1,000 clients' first requests waiting seconds to be accepted: late answers are counted too.
  echo "$1 $3 $4 $5 $rps $p50 $p99 $p999 $us $(bench_wrk_late "$out") $(bench_wrk_errors "$out")" >> "$W/results"
}
percentile() { # p "wrk output": that percentile in ms from bench/percentiles.lua's line, 0 if wrk printed none
  awk -v key="p$1" '/^percentiles-ms/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) v = kv[2] } } END { print v + 0 }' <<<"$2"
}
every_target() { # path connections keepalive
  run backend-direct $BACKEND "$@"
  local targets=("nginx:$NGINX_PROXY" "haproxy:$HAPROXY" "gateway:$GATEWAY") target
  [ -n "$BEFORE_JAR" ] && targets+=("gateway-before:$BEFORE")
  [ -n "$FLOOR" ] && targets+=("floor:$FLOOR")
  # Each round starts one target later than the one before, so no proxy always runs right after the same one.
  for target in $(bench_rotated "$ROUND" "${targets[@]}"); do
    run "${target%%:*}" "${target##*:}" "$@"
  done
}

for ROUND in $(seq 1 "$ROUNDS"); do
  for conns in $CONN_LIST; do
    for path in /search.json /dashboard.json; do every_target $path "$conns" yes; done
  done
  every_target /search.json "$FIRST_CONNS" no
  echo "round $ROUND of $ROUNDS done"
done

peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$GATEWAY_PID/status")
echo
echo "wrk -t2 -d${SECONDS_PER_RUN}s, medians of $ROUNDS interleaved rounds; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(2 cores shared by wrk, the backend and the proxy: read the ratios; cpu-us is the proxy's own CPU per request)"
printf '%-15s %-15s %6s %4s %9s %8s %8s %8s %7s %9s %6s %6s\n' target path conns ka req/s p50ms p99ms p99.9ms cpu-us vs-haproxy late errors
python3 - "$W/results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, path, conns, ka, *vals = line.split()
    rows[(path, int(conns), ka, name)].append(tuple(float(v) for v in vals))
med = {k: tuple(statistics.median(x[i] for x in v) for i in range(5)) for k, v in rows.items()}
# Answers after more than wrk's 2 s (left out of its percentiles) and failed requests: totals over the rounds.
total = {k: tuple(int(sum(x[i] for x in v)) for i in (5, 6)) for k, v in rows.items()}
order = ["backend-direct", "haproxy", "nginx", "gateway", "gateway-before", "floor"]
for key in sorted(med, key=lambda k: (k[2] == "no", k[1], k[0], order.index(k[3]))):
    path, conns, ka, name = key
    rps, p50, p99, p999, us = med[key]
    ref = med.get((path, conns, ka, "haproxy"))
    ratio = f"{rps / ref[0]:.2f}x" if ref else "-"
    late, errors = total[key]
    print(f"{name:<15} {path:<15} {conns:>6} {ka:>4} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f} {p999:>8.2f} {us:>7.1f} {ratio:>9} {late:>6} {errors:>6}")
PY
echo "gateway peak RSS: $((peak_rss_kb / 1024)) MiB (-Xmx256m)"
# The access log is on by default (a JSON line per request, here to a file) and costs 14-28 µs per request on the
# 2 KB answer; HAProxy and nginx log nothing here. Say which way it ran.
echo "gateway extra configuration: $(printf '%s' "${GATEWAY_EXTRA:-none: the access log on, as by default}" | tr '\n' ' ')"
