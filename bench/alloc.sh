#!/usr/bin/env bash
# Event-loop allocation and CPU per request of two gateway builds, side by side in front of one nginx backend
# (2 KB /search.json, keep-alive, wrk -t2 -c64), rounds interleaved A B B A so that a busy minute hits both alike.
# Allocation comes from JFR's jdk.ThreadAllocationStatistics on the event-loop threads ("...-event-loop-..." or
# "...EventLoop..." names), read at the start and the end of each run and divided by the requests wrk counted; it
# does not depend on the machine's load, unlike the CPU figure (user + system ticks of the JVM, /proc/PID/stat).
# Usage: BEFORE_JAR=old.jar [AFTER_JAR=new.jar] bench/alloc.sh [rounds] [seconds]    (defaults: 2 rounds of 10 s after 4 x 10 s warm-up each)
#        ALLOC_BENCH_PORTS=19280 bench/alloc.sh ...               the 5 ports it uses start there (default 18280)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}; SECS=${2:-10}
JAR=${AFTER_JAR:-gateway/target/grafana-ha-gateway.jar}
BEFORE_JAR=${BEFORE_JAR:?BEFORE_JAR=<the build to compare with>}
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
P=${ALLOC_BENCH_PORTS:-18280}; BACKEND=$P
W=$(mktemp -d); chmod 755 "$W"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/backend.pid" ] && kill "$(cat "$W/backend.pid")" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/www/api" "$W/logs"
python3 -c 'import json,sys; open(sys.argv[1],"w").write(json.dumps([{"id":i,"uid":f"node-{i:03d}","title":f"Node exporter / host {i}","uri":f"db/node-{i}","url":f"/d/node-{i:03d}/node-exporter-host-{i}","slug":"","type":"dash-db","tags":["linux","node"],"isStarred":False,"folderUid":"infra","folderTitle":"Infrastructure"} for i in range(7)],indent=1))' "$W/www/search.json"
printf '{\n  "database": "ok",\n  "version": "bench"\n}' > "$W/www/api/health"
chmod -R a+rX "$W/www"
cat > "$W/backend.conf" <<CONF
worker_processes 2;
pid $W/backend.pid;
error_log $W/logs/backend-error.log warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$BACKEND backlog=4096; root $W/www; default_type application/json; } }
CONF
nginx -p "$W" -c "$W/backend.conf"
cat > "$W/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
</configuration>
JFC
declare -A PID PORT
start() { # name jar port
  cat > "$W/$1.yaml" <<CONF
listen: 127.0.0.1:$3
admin:
  listen: 127.0.0.1:$(( $3 + 1 ))
mode: failover
backends:
  - name: nginx
    url: http://127.0.0.1:$BACKEND
    role: primary
access-log:
  enabled: false
CONF
  java -Xmx256m -jar "$2" run --config "$W/$1.yaml" > "$W/logs/$1.log" 2>&1 &
  pids+=($!); PID[$1]=$!; PORT[$1]=$3
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$3/search.json" && return; sleep 0.2; done
  echo "$1 did not answer"; cat "$W/logs/$1.log"; exit 1
}
start after "$JAR" $((P + 1))
start before "$BEFORE_JAR" $((P + 3))
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
for _ in 1 2; do for n in after before; do wrk -t2 -c64 -d"${SECS}s" "http://127.0.0.1:${PORT[$n]}/search.json" > /dev/null; done; done
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
  local t0; t0=$(ticks "$pid")
  local out; out=$(wrk -t2 -c64 -d"${SECS}s" "http://127.0.0.1:${PORT[$n]}/search.json")
  local t1; t1=$(ticks "$pid")
  jcmd "$pid" JFR.stop name=alloc filename="$f" > /dev/null
  local req; req=$(awk '/requests in/ {print $1}' <<< "$out")
  local bytes; bytes=$(loop_bytes "$f")
  awk -v n="$n" -v r="$2" -v req="$req" -v b="$bytes" -v dt=$((t1 - t0)) -v tick="$TICK" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%-7s round %d  %8d req  %6.0f req/s  alloc %5.2f KB/req  cpu %6.1f us/req  load %s\n", n, r, req, req / '"$SECS"', b / req / 1024, dt / tick * 1e6 / req, load }'
}
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 )); then run after "$r"; run before "$r"; else run before "$r"; run after "$r"; fi
done
