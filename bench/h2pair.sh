#!/usr/bin/env bash
# Two gateway jars side by side over HTTP/2: CPU and bytes allocated per request, for a change whose effect is smaller
# than a busy machine's noise. Both serve the same nginx backend (2 KB JSON) over TLS; each round runs
# `h2load -D <seconds> -c 8 -m 32` against each jar, in alternating order, or against both at once with PARALLEL=1.
# Per run: requests/s, CPU per request (user + system, /proc/PID/stat) and bytes allocated per request (JFR's
# jdk.ThreadAllocationStatistics at the start and end of the run, summed over the JVM's threads), then medians and
# the per-round ratio B/A of CPU per request. Allocation per request hardly moves with the load; CPU does.
# Usage: bench/h2pair.sh A.jar B.jar [rounds] [seconds]   (defaults 8, 5; H2PAIR_PORTS=<base>, default 29280)
# Needs h2load (nghttp2-client), nginx, openssl, jcmd and jfr. Everything listens on 127.0.0.1 and stops on exit.
set -euo pipefail
A=$1; B=$2; ROUNDS=${3:-8}; SECS=${4:-5}; P=${H2PAIR_PORTS:-29280}
W=$(mktemp -d); chmod 755 "$W"; mkdir -p "$W/www/api" "$W/logs"
PA=; PB=
cleanup() { kill $PA $PB 2>/dev/null || true; [ -f "$W/backend.pid" ] && kill "$(cat "$W/backend.pid")" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
python3 - "$W/www" <<'PY'
import json, sys
hits = [{"id": i, "uid": f"node-{i:03d}", "title": f"Node exporter / host {i}", "url": f"/d/node-{i:03d}/node-{i}",
         "type": "dash-db", "tags": ["linux", "node"], "isStarred": False, "folderUid": "infra"} for i in range(9)]
open(f"{sys.argv[1]}/search.json", "w").write(json.dumps(hits, indent=1))
PY
printf '{"database":"ok"}' > "$W/www/api/health"; chmod -R a+rX "$W/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/tls.key" -out "$W/tls.crt" \
  -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
cat > "$W/backend.conf" <<CONF
worker_processes 2;
pid $W/backend.pid;
error_log $W/logs/backend-error.log warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$P backlog=4096; root $W/www; default_type application/json; } }
CONF
nginx -p "$W" -c "$W/backend.conf"
cat > "$W/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
</configuration>
JFC
gateway() { # name port admin-port jar
  cat > "$W/$1.yaml" <<CONF
listen: 127.0.0.1:$2
admin:
  listen: 127.0.0.1:$3
mode: failover
backends:
  - name: nginx
    url: http://127.0.0.1:$P
    role: primary
tls:
  cert-file: $W/tls.crt
  key-file: $W/tls.key
CONF
  java -Xmx256m -jar "$4" run --config "$W/$1.yaml" > "$W/logs/$1.log" 2>&1 &
}
gateway a $((P + 3)) $((P + 13)) "$A"; PA=$!
gateway b $((P + 4)) $((P + 14)) "$B"; PB=$!
for port in $((P + 3)) $((P + 4)); do
  for _ in $(seq 1 100); do curl -kfs -o /dev/null "https://127.0.0.1:$port/search.json" && break; sleep 0.2; done
done
# JFR's first recording loads and compiles its own classes: do it before measuring, then warm both jars up.
for pid in $PA $PB; do
  jcmd "$pid" JFR.start name=warm settings="$W/alloc.jfc" filename="$W/warm-$pid.jfr" > /dev/null
  jcmd "$pid" JFR.stop name=warm > /dev/null
done
for port in $((P + 3)) $((P + 4)); do h2load -D "${H2PAIR_WARMUP:-20}" -c 8 -m 32 "https://127.0.0.1:$port/search.json" > /dev/null; done

run() { # pid port name
  local t0 t1 out n rps bytes
  jcmd "$1" JFR.start name=run settings="$W/alloc.jfc" filename="$W/run-$1.jfr" > /dev/null
  t0=$(awk '{print $14 + $15}' "/proc/$1/stat")
  out=$(h2load -D "$SECS" -c 8 -m 32 "https://127.0.0.1:$2/search.json")
  t1=$(awk '{print $14 + $15}' "/proc/$1/stat")
  jcmd "$1" JFR.stop name=run > /dev/null
  bytes=$(jfr print --json --events jdk.ThreadAllocationStatistics "$W/run-$1.jfr" | python3 -c '
import json, sys
lo, hi = {}, {}
for e in json.load(sys.stdin)["recording"]["events"]:
    v = e["values"]; t = (v.get("thread") or {}).get("javaThreadId"); a = v["allocated"]
    lo[t] = min(lo.get(t, a), a); hi[t] = max(hi.get(t, a), a)
print(sum(hi[t] - lo[t] for t in hi))')
  n=$(awk '/requests:/ {print $4; exit}' <<<"$out")
  rps=$(awk '/finished in/ {gsub(",", "", $4); print $4}' <<<"$out")
  awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" -v r="$rps" -v b="$bytes" -v name="$3" \
    'BEGIN { printf "%s %.0f %.1f %.0f\n", name, r, d / hz * 1e6 / n, b / n }'
}
for i in $(seq 1 "$ROUNDS"); do
  if [ -n "${PARALLEL:-}" ]; then
    run $PA $((P + 3)) A > "$W/ra" & run $PB $((P + 4)) B > "$W/rb"; wait; cat "$W/ra" "$W/rb"
  elif (( i % 2 )); then run $PA $((P + 3)) A; run $PB $((P + 4)) B
  else run $PB $((P + 4)) B; run $PA $((P + 3)) A; fi
done | tee "$W/results"
echo "A = $A, B = $B; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$W/results" <<'PY'
import sys, statistics as st, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, *vals = line.split()
    runs[name].append(tuple(float(v) for v in vals))
for name in sorted(runs):
    rps, us, b = (st.median(r[i] for r in runs[name]) for i in range(3))
    print(f"{name}: median {rps:.0f} req/s, {us:.1f} us CPU per request, {b:.0f} bytes allocated per request")
ratios = [b[1] / a[1] for a, b in zip(runs["A"], runs["B"])]
print("B/A CPU per request by round:", " ".join(f"{r:.2f}" for r in ratios), f"(median {st.median(ratios):.2f})")
PY
