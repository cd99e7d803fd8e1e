# The set-up the bench scripts share: sourced (`. "$(dirname "$0")/lib.sh"`), never run.
# The functions work in the directory $W (made by bench_workdir) and record the processes they start in the
# array pids, so that bench_cleanup, the scripts' EXIT trap, stops exactly what the script started.

# A fresh work directory $W with www/api and logs; 755 because nginx's workers run as nobody and read www.
bench_workdir() {
  W=$(mktemp -d); chmod 755 "$W"; mkdir -p "$W/www/api" "$W/logs"
  pids=()
  bench_warn_leftovers
}

# Says so when proxies, backends or load generators are already running: a gateway and an nginx left by an earlier
# run that did not reach its cleanup kept running unseen for 40 minutes under later benchmarks (bench/README.md,
# "Six rounds with the p99.9 column"). A warning, not a refusal: a run beside them may be meant.
bench_warn_leftovers() {
  local others
  others=$(pgrep -a -x 'java|nginx|haproxy|wrk|h2load' 2>/dev/null | cut -c1-120 || true)
  [ -z "$others" ] || printf 'warning: already running, so the figures below share the CPU with them:\n%s\n' "$others" >&2
}

# Stops the processes in pids and every daemon that left a *.pid file in $W, then removes $W.
bench_cleanup() {
  local p f
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$W"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$W"
}

# What nginx serves: a 2 KB search answer shaped like Grafana's, and the GET /api/health (200, "database": "ok")
# that the gateway's health checks expect. "compact" writes the slimmer 2 KB answer tls.sh and h2pair.sh measure.
bench_www() { # [compact]
  python3 - "$W/www/search.json" "${1:-}" <<'PY'
import json, sys
if sys.argv[2] == "compact":
    hits = [{"id": i, "uid": f"node-{i:03d}", "title": f"Node exporter / host {i}", "url": f"/d/node-{i:03d}/node-{i}",
             "type": "dash-db", "tags": ["linux", "node"], "isStarred": False, "folderUid": "infra"} for i in range(9)]
else:
    hits = [{"id": i, "uid": f"node-{i:03d}", "title": f"Node exporter / host {i}", "uri": f"db/node-{i}",
             "url": f"/d/node-{i:03d}/node-exporter-host-{i}", "slug": "", "type": "dash-db",
             "tags": ["linux", "node"], "isStarred": False, "folderUid": "infra", "folderTitle": "Infrastructure"}
            for i in range(7)]
open(sys.argv[1], "w").write(json.dumps(hits, indent=1))
PY
  printf '{\n  "database": "ok",\n  "version": "bench"\n}' > "$W/www/api/health"
  chmod -R a+rX "$W/www"
}

# The backend: nginx on 127.0.0.1:$1 serving $W/www, two workers so that it is never what limits a proxy, each with
# a socket of its own (reuseport) so that the kernel spreads every proxy's connections between them: without it one
# worker took 59 of the gateway's 64 (bench/README, "The backend's two workers").
bench_backend() { # port
  cat > "$W/backend.conf" <<CONF
worker_processes 2;
pid $W/backend.pid;
error_log $W/logs/backend-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$1 backlog=4096 reuseport; root $W/www; default_type application/json; }
}
CONF
  nginx -p "$W" -c "$W/backend.conf"
}

# HAProxy on 127.0.0.1:$1 in front of the backend on $2, at its default threads, reusing backend connections;
# $3 adds lines to its global section, $4 options to its bind line (TLS). Pid in $W/haproxy.pid.
bench_haproxy() { # port backend-port [global lines] [bind options]
  cat > "$W/haproxy.cfg" <<CONF
global
  pidfile $W/haproxy.pid
${3:-}
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend fe
  bind 127.0.0.1:$1${4:+ $4}
  default_backend be
backend be
  server s1 127.0.0.1:$2
CONF
  haproxy -f "$W/haproxy.cfg" -D
}

# A self-signed ECDSA P-256 certificate for 127.0.0.1 and localhost ($W/tls.crt, $W/tls.key in PKCS#8), and in
# BENCH_TLS_YAML the gateway configuration that serves it.
bench_tls_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/tls.key" -out "$W/tls.crt" \
    -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
  BENCH_TLS_YAML=$'tls:\n  cert-file: '"$W/tls.crt"$'\n  key-file: '"$W/tls.key"
}

# JFR settings with only the per-thread allocation counters, for bytes allocated per request: $W/alloc.jfc.
bench_alloc_jfc() {
  cat > "$W/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
</configuration>
JFC
}

# A gateway from a jar in failover mode in front of the backend, the sixth argument appended to its configuration;
# $W/<name>.yaml, log in $W/logs/<name>.log, its pid appended to pids.
# In a session of its own (setsid), as HAProxy and nginx are once they daemonize and as a service manager runs it:
# with the kernel's autogroup scheduling (on by default) a process left in the script's session shares one CPU
# share with wrk, and on 2 cores that cost the gateway about a fifth of its 2 KB throughput and tripled its p99
# (bench/README.md, "The harness, not the proxy"). setsid is not a process-group leader here, so it execs java and
# $! is the JVM's pid.
bench_gateway() { # name jar port admin-port backend-port [extra YAML]
  cat > "$W/$1.yaml" <<CONF
listen: 127.0.0.1:$3
admin:
  listen: 127.0.0.1:$4
mode: failover
backends:
  - name: nginx
    url: http://127.0.0.1:$5
    role: primary
${6:-}
CONF
  local jvm="BENCH_JVM_${1//-/_}"   # e.g. BENCH_JVM_gateway_before="-XX:+UseParallelGC": JVM options for one gateway
  local java="BENCH_JAVA_${1//-/_}" # e.g. BENCH_JAVA_gateway_before=/usr/lib/jvm/<jdk>/bin/java: another JVM
  # shellcheck disable=SC2086 # the options are words
  setsid "${!java:-java}" -Xmx256m ${!jvm:-} -jar "$2" run --config "$W/$1.yaml" > "$W/logs/$1.log" 2>&1 &
  pids+=($!)
}

# Waits until a URL answers (any certificate accepted), at most the given seconds; fails, saying so, if it never does.
bench_wait_url() { # url [seconds, default 30]
  local deadline=$(( $(date +%s) + ${2:-30} ))
  until curl -kfsS -o /dev/null --max-time 1 "$1" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no 200 from $1 after ${2:-30} s" >&2; return 1; }
    sleep 0.05
  done
}

# Its arguments after the first, one a line, rotated so that round N starts with the Nth (round 1 keeps the order).
# Each bench round starts one target later than the round before: in a fixed order the third target of a round ran
# 10-20 % slower than the same code in second place (bench/README.md, "h2 measured warm").
bench_rotated() { # round word...
  local round=$1 i; shift
  local words=("$@")
  for i in "${!words[@]}"; do echo "${words[$(( (i + round - 1) % ${#words[@]} ))]}"; done
}

# CPU ticks (user + system, /proc/PID/stat) used so far by the processes listed in $1.
bench_cpu_ticks() { # "pid ..."
  local t=0 p
  for p in $1; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done
  echo "$t"
}

# From wrk's output: the answers later than its timeout (2 s by default), which wrk leaves out of its percentiles and
# reports only as socket-error "timeouts", and the failed requests (connect, read and write errors, non-2xx/3xx).
bench_wrk_late() { # "wrk output"
  awk '/Socket errors/ { gsub(",", ""); print $NF; f = 1 } END { if (!f) print 0 }' <<<"$1"
}
bench_wrk_errors() { # "wrk output"
  awk '/Socket errors/ { gsub(",", ""); e += $4 + $6 + $8 } /Non-2xx/ { e += $NF } END { print e + 0 }' <<<"$1"
}

# Lets perf read this machine's events for the run (async-profiler and perf tracepoints fall back or fail without it):
# lowers kernel.perf_event_paranoid to 1 when it is higher; bench_perf_restore puts the old value back.
bench_perf_allow() {
  perf_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo "")
  if [ -n "$perf_paranoid" ] && [ "$perf_paranoid" -gt 1 ]; then sysctl -q -w kernel.perf_event_paranoid=1 2>/dev/null || true; fi
}
bench_perf_restore() {
  if [ -n "${perf_paranoid:-}" ]; then sysctl -q -w kernel.perf_event_paranoid="$perf_paranoid" 2>/dev/null || true; fi
}
