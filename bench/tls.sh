#!/usr/bin/env bash
# TLS and HTTP/2 throughput, latency and CPU per request: the gateway against HAProxy, both terminating TLS with the
# same certificate (ECDSA P-256), protocols (TLS 1.2 and 1.3), Mozilla "intermediate" ciphers and ALPN (h2,
# http/1.1), HAProxy at its default threads, in front of the same nginx backend, runs interleaved.
# Usage: bench/tls.sh [rounds] [seconds] [connections]   (defaults: 3 rounds, 5 s, 64 connections)
# Per round: wrk over https with keep-alive; wrk with a new connection (and TLS handshake) per request
# ("Connection: close"); h2load over h2, 8 connections x 32 concurrent streams. Prints medians: req/s, p99, the
# proxy's CPU per request (user + system, /proc/PID/stat) and the ratio to HAProxy; and totals over the rounds of
# answers after more than 2 s (wrk leaves them out of its percentiles) and of failed requests.
# BEFORE_JAR=path/to/other.jar adds a third target, "before": that jar with the same configuration on its own port,
# warmed and measured in the same interleaved rounds (a change's figures side by side with the code it replaces).
# TLS_BENCH_FLOOR="codec multiplex listener" (any of them) adds "floor-codec", "floor-multiplex" and "floor-listener",
# bench/H2Floor.java on the h2 row only: Netty's HTTP/2 (its frame codec; the codec with a child channel per stream, as
# the gateway has it; or the connection handler under the codec) with one pooled backend exchange per stream and
# nothing else, on the gateway's JVM, transport and TLS provider (what the platform costs).
# Installs wrk, haproxy, nginx and h2load (nghttp2-client) from Debian when missing; builds the jar when missing.
# Everything listens on 127.0.0.1; everything started here is stopped on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; SECONDS_PER_RUN=${2:-5}; CONNS=${3:-64}
JAR=gateway/target/grafana-ha-gateway.jar
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
if ! command -v wrk >/dev/null || ! command -v haproxy >/dev/null || ! command -v nginx >/dev/null || ! command -v h2load >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk haproxy nginx-light nghttp2-client
fi
ulimit -n 20000 2>/dev/null || true

bench_workdir
trap bench_cleanup EXIT

# TLS_BENCH_PORTS moves every port (default 18280, then +2, +3, +4, +13, +14): two runs at once need two bases.
P=${TLS_BENCH_PORTS:-18280}
BACKEND=$P; HAPROXY=$((P + 2)); GATEWAY=$((P + 3)); GATEWAY_ADMIN=$((P + 13)); BEFORE=$((P + 4)); BEFORE_ADMIN=$((P + 14))
BEFORE_JAR=${BEFORE_JAR:-}; FLOORS=()
bench_www compact

# One certificate for both proxies; the key in PKCS#8 (what the gateway reads), HAProxy gets cert+key in one file.
bench_tls_cert
cat "$W/tls.crt" "$W/tls.key" > "$W/haproxy.pem"

bench_backend "$BACKEND"

# Mozilla "intermediate" (guidelines 5.7), the list ServerTls uses, in OpenSSL's names.
HAPROXY_TLS="  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305
  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
  ssl-default-bind-options ssl-min-ver TLSv1.2"
bench_haproxy "$HAPROXY" "$BACKEND" "$HAPROXY_TLS" "ssl crt $W/haproxy.pem alpn h2,http/1.1"

bench_gateway gateway "$JAR" "$GATEWAY" "$GATEWAY_ADMIN" "$BACKEND" "$BENCH_TLS_YAML"
TARGETS="haproxy:$HAPROXY gateway:$GATEWAY"
if [ -n "$BEFORE_JAR" ]; then
  bench_gateway before "$BEFORE_JAR" "$BEFORE" "$BEFORE_ADMIN" "$BACKEND" "$BENCH_TLS_YAML"
  TARGETS="$TARGETS before:$BEFORE"
fi
declare -A PROCS
port=$((P + 5))
for mode in ${TLS_BENCH_FLOOR:-}; do   # compiled from source at start: wait until it says it listens
  setsid java -Xmx256m -cp "$JAR" bench/H2Floor.java "$port" "$BACKEND" "$W/tls.crt" "$W/tls.key" "$mode" > "$W/logs/floor-$mode.log" 2>&1 &
  pids+=($!); PROCS[floor-$mode]=$!
  TARGETS="$TARGETS floor-$mode:$port"; FLOORS+=("$port")
  until grep -q '^h2 floor' "$W/logs/floor-$mode.log"; do sleep 0.2; kill -0 "$!" || { cat "$W/logs/floor-$mode.log"; exit 1; }; done
  port=$((port + 1))
done
for port in $HAPROXY $GATEWAY ${BEFORE_JAR:+$BEFORE}; do
  bench_wait_url "https://127.0.0.1:$port/search.json" || { echo "port $port did not answer"; cat "$W/logs/"*; exit 1; }
done
grep -m1 'TLS:' "$W/logs/gateway.log" || true

PROCS[haproxy]="$(cat "$W/haproxy.pid")"
PROCS[gateway]="${pids[0]}"
[ -n "$BEFORE_JAR" ] && PROCS[before]="${pids[1]}"
TICK=$(getconf CLK_TCK)
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v); print v+0 } else { sub(/s/,"",v); print v*1000 } }'; }
us_per_request() { awk -v d="$1" -v n="$2" -v hz="$TICK" 'BEGIN { printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0) }'; }

# A JVM on two shared cores needs well over 5 s to compile its hot paths (bench/README.md, "Where the time goes"),
# and each kind of load has hot paths of its own: under h2load alone the gateway's C2 compiler thread still took a
# quarter of its CPU 10 to 20 s in (bench/README.md, "h2 measured warm"). So the gateway gets TLS_BENCH_WARMUP
# seconds (default 30) of each: keep-alive, handshake per request and h2; HAProxy 5 s of each.
WARMUP=${TLS_BENCH_WARMUP:-30}
echo "warming up: ${WARMUP} s of each load for the gateway, 5 s for HAProxy"
for port in $HAPROXY $GATEWAY ${BEFORE_JAR:+$BEFORE}; do
  secs=5; [ "$port" != "$HAPROXY" ] && secs=$WARMUP
  wrk -t2 -c"$CONNS" -d"${secs}s" "https://127.0.0.1:$port/search.json" > /dev/null
  wrk -t2 -c"$CONNS" -d"${secs}s" -H "Connection: close" "https://127.0.0.1:$port/search.json" > /dev/null
  h2load -D "$secs" -c 8 -m 32 "https://127.0.0.1:$port/search.json" > /dev/null
done
for port in "${FLOORS[@]}"; do h2load -D "$WARMUP" -c 8 -m 32 "https://127.0.0.1:$port/search.json" > /dev/null; done

wrk_run() { # name port mode(keepalive|close)
  local extra=() before after out requests rps p99
  [ "$3" = close ] && extra=(-H "Connection: close")
  before=$(bench_cpu_ticks "${PROCS[$1]}")
  out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" --latency "${extra[@]}" "https://127.0.0.1:$2/search.json")
  after=$(bench_cpu_ticks "${PROCS[$1]}")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$1 wrk-$3 $rps $(ms "$p99") $(us_per_request $((after - before)) "$requests") $(bench_wrk_late "$out") $(bench_wrk_errors "$out")" >> "$W/results"
}
h2_run() { # name port
  local before after out requests rps p99 late errors
  before=$(bench_cpu_ticks "${PROCS[$1]}")
  out=$(h2load -D "$SECONDS_PER_RUN" -c 8 -m 32 --log-file="$W/h2.log" "https://127.0.0.1:$2/search.json")
  after=$(bench_cpu_ticks "${PROCS[$1]}")
  grep -q 'h2' <<<"$(grep -i 'Application protocol' <<<"$out")" || { echo "h2load did not speak h2 to $1:"; echo "$out"; exit 1; }
  requests=$(awk '/requests:/ {print $4; exit}' <<<"$out")
  rps=$(awk '/finished in/ {gsub(",", "", $4); print $4}' <<<"$out")
  p99=$(awk '{print $3}' "$W/h2.log" | sort -n | awk '{v[NR]=$1} END {print (NR ? v[int(NR*0.99)] / 1000 : 0)}')
  # Late: answers after more than 2 s (the log's third field is microseconds); errors: h2load's failed and errored.
  late=$(awk '$3 > 2000000 { n++ } END { print n + 0 }' "$W/h2.log")
  errors=$(awk '/requests:/ { gsub(",", ""); print $10 + $12; exit }' <<<"$out")
  echo "$1 h2load-8x32 $rps $p99 $(us_per_request $((after - before)) "$requests") $late ${errors:-0}" >> "$W/results"
}

# Each round starts one target later than the one before (bench_rotated).
for r in $(seq 1 "$ROUNDS"); do
  # shellcheck disable=SC2086 # TARGETS is words
  for target in $(bench_rotated "$r" $TARGETS); do
    name=${target%%:*}; port=${target##*:}
    case $name in floor-*) h2_run "$name" "$port"; continue ;; esac   # it speaks h2 only
    wrk_run $name "$port" keepalive
    wrk_run $name "$port" close
    h2_run $name "$port"
  done
  echo "round $r of $ROUNDS done"
done

echo
echo "medians of $ROUNDS interleaved rounds, ${SECONDS_PER_RUN}s each, $CONNS wrk connections (wrk -t2), h2load 8 connections x 32 streams;"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %-12s %10s %8s %8s %12s %6s %6s\n' target run req/s p99ms cpu-us vs-haproxy late errors
python3 - "$W/results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, run, *vals = line.split()
    rows[(run, name)].append(tuple(float(v) for v in vals))
med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in rows.items()}
# Answers after more than 2 s (wrk leaves them out of its percentiles) and failed requests: totals over the rounds.
total = {k: tuple(int(sum(x[i] for x in v)) for i in (3, 4)) for k, v in rows.items()}
for run in ["wrk-keepalive", "wrk-close", "h2load-8x32"]:
    for name in ["haproxy", "gateway", "before", "floor-codec", "floor-multiplex", "floor-listener"]:
        if (run, name) not in med:
            continue
        rps, p99, us = med[(run, name)]
        ref = med.get((run, "haproxy"))
        ratio = f"{rps / ref[0]:.2f}x" if ref and ref[0] else "-"
        late, errors = total[(run, name)]
        print(f"{name:<16} {run:<12} {rps:>10.0f} {p99:>8.2f} {us:>8.1f} {ratio:>12} {late:>6} {errors:>6}")
PY
