#!/usr/bin/env bash
# Proxy throughput and latency: the gateway side by side with HAProxy and nginx, same backend, same run.
# Usage: bench/proxy.sh [rounds] [seconds] [connections]      (defaults: 3 rounds, 10 s, 64 connections)
#        BEFORE_JAR=old.jar bench/proxy.sh ...   also runs that build as "gateway-before", for a before/after ratio
# The peers run at their own defaults (HAProxy: one thread per core; nginx: one worker, its default).
# Installs wrk, haproxy and nginx from Debian when missing, and builds the jar when missing.
# Everything listens on 127.0.0.1; everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; SECONDS_PER_RUN=${2:-10}; CONNS=${3:-64}
JAR=gateway/target/grafana-ha-gateway.jar
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
if ! command -v wrk >/dev/null || ! command -v haproxy >/dev/null || ! command -v nginx >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk haproxy nginx-light
fi

W=$(mktemp -d)
chmod 755 "$W"   # nginx workers run as nobody and must read the files
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
  [ -f "$W/haproxy.pid" ] && kill "$(cat "$W/haproxy.pid")" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

BACKEND=18180; NGINX_PROXY=18181; HAPROXY=18182; GATEWAY=18183; GATEWAY_ADMIN=18193
BEFORE=18184; BEFORE_ADMIN=18194; BEFORE_JAR=${BEFORE_JAR:-}
mkdir -p "$W/www" "$W/logs"
# A 2 KB JSON (a search answer) and a 30 KB dashboard JSON, shaped like Grafana's, the same on every run.
python3 - "$W/www" <<'PY'
import json, sys
www = sys.argv[1]
hits = [{"id": i, "uid": f"node-{i:03d}", "title": f"Node exporter / host {i}", "uri": f"db/node-{i}",
         "url": f"/d/node-{i:03d}/node-exporter-host-{i}", "slug": "", "type": "dash-db",
         "tags": ["linux", "node"], "isStarred": False, "folderUid": "infra", "folderTitle": "Infrastructure"}
        for i in range(7)]
open(f"{www}/search.json", "w").write(json.dumps(hits, indent=1))
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
# What the gateway's health checks expect from a Grafana: GET /api/health, 200 with "database": "ok".
mkdir -p "$W/www/api" && printf '{\n  "database": "ok",\n  "version": "bench"\n}' > "$W/www/api/health"
chmod -R a+rX "$W/www"

cat > "$W/nginx.conf" <<CONF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$BACKEND; keepalive 64; }
  server { listen 127.0.0.1:$BACKEND; root $W/www; default_type application/json; }
  server {
    listen 127.0.0.1:$NGINX_PROXY;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$http_host; }
  }
}
CONF
nginx -p "$W" -c "$W/nginx.conf"

cat > "$W/haproxy.cfg" <<CONF
global
  pidfile $W/haproxy.pid
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend fe
  bind 127.0.0.1:$HAPROXY
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND
CONF
haproxy -f "$W/haproxy.cfg" -D

cat > "$W/gateway.yaml" <<CONF
listen: 127.0.0.1:$GATEWAY
admin:
  listen: 127.0.0.1:$GATEWAY_ADMIN
mode: failover
backends:
  - name: nginx
    url: http://127.0.0.1:$BACKEND
    role: primary
CONF
java -Xmx256m -jar "$JAR" run --config "$W/gateway.yaml" > "$W/logs/gateway.log" 2>&1 &
pids+=($!)
targets="$BACKEND $NGINX_PROXY $HAPROXY $GATEWAY"
if [ -n "$BEFORE_JAR" ]; then
  sed -e "s/:$GATEWAY\$/:$BEFORE/" -e "s/:$GATEWAY_ADMIN\$/:$BEFORE_ADMIN/" "$W/gateway.yaml" > "$W/before.yaml"
  java -Xmx256m -jar "$BEFORE_JAR" run --config "$W/before.yaml" > "$W/logs/gateway-before.log" 2>&1 &
  pids+=($!)
  targets="$targets $BEFORE"
fi
for port in $targets; do
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/search.json" && break; sleep 0.2; done
  curl -fs -o /dev/null "http://127.0.0.1:$port/search.json" || { echo "port $port did not answer"; cat "$W/logs/"*; exit 1; }
done

echo "warming up (the JVM compiles its hot paths; the others get the same)"
for port in ${targets#$BACKEND }; do wrk -t2 -c"$CONNS" -d5s "http://127.0.0.1:$port/search.json" > /dev/null; done
GATEWAY_PID=${pids[0]}

# One line per target and round: target path req/s p50 p99 (milliseconds)
run() { # name port path
  local out; out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$2$3")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$1 $3 $rps $(ms "$p50") $(ms "$p99")" >> "$W/results"
}
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v); print v+0 } else { sub(/s/,"",v); print v*1000 } }'; }

for r in $(seq 1 "$ROUNDS"); do
  for path in /search.json /dashboard.json; do
    run backend-direct $BACKEND $path
    run nginx $NGINX_PROXY $path
    run haproxy $HAPROXY $path
    run gateway $GATEWAY $path
    if [ -n "$BEFORE_JAR" ]; then run gateway-before $BEFORE $path; fi
  done
  echo "round $r done"
done

peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$GATEWAY_PID/status")
echo
echo "wrk -t2 -c$CONNS -d${SECONDS_PER_RUN}s, $ROUNDS rounds, medians (2 shared cores: wrk competes with the proxies)"
printf '%-15s %-15s %10s %8s %8s %10s\n' target path req/s p50ms p99ms vs-haproxy
python3 - "$W/results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, path, rps, p50, p99 = line.split()
    rows[(name, path)].append((float(rps), float(p50), float(p99)))
med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in rows.items()}
for (name, path), (rps, p50, p99) in sorted(med.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    ref = med.get(("haproxy", path))
    ratio = f"{rps / ref[0]:.2f}x" if ref else "-"
    print(f"{name:<15} {path:<15} {rps:>10.0f} {p50:>8.2f} {p99:>8.2f} {ratio:>10}")
PY
echo "gateway peak RSS: $((peak_rss_kb / 1024)) MiB (-Xmx256m)"
