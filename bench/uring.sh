#!/usr/bin/env bash
# What each proxy asks of the kernel per request: io_uring submissions by opcode (and the kernel's own poll arming)
# and system calls by name, counted with perf tracepoints over a window of the 2 KB keep-alive load (wrk -t2 -c64),
# for the gateway, bench/FloorRelay.java (a bare Netty relay on the same platform) and HAProxy in turn.
# Usage: bench/uring.sh [seconds traced, default 3]
#        JAR=other.jar bench/uring.sh      another build as the gateway
# Counts are per request wrk counted over the traced window; tracing slows the proxy, so read counts, not req/s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
SECS=${1:-3}
JAR=${JAR:-gateway/target/grafana-ha-gateway.jar}
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v haproxy >/dev/null || ! command -v perf >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk nginx-light haproxy linux-perf
fi
bench_workdir; trap bench_cleanup EXIT
P=${URING_BENCH_PORTS:-18580}
bench_www; bench_backend "$P"
bench_gateway gateway "$JAR" $((P + 1)) $((P + 2)) "$P"
GPID=${pids[-1]}
setsid java -Xmx256m -cp "$JAR" bench/FloorRelay.java $((P + 5)) "$P" > "$W/logs/floor.log" 2>&1 &
pids+=($!); FPID=$!
bench_haproxy $((P + 6)) "$P"
bench_wait_url "http://127.0.0.1:$((P + 1))/search.json" 60
bench_wait_url "http://127.0.0.1:$((P + 5))/search.json" 60
bench_wait_url "http://127.0.0.1:$((P + 6))/search.json" 30
HPID=$(cat "$W/haproxy.pid")
for port in $((P + 1)) $((P + 5)); do wrk -t2 -c64 -d20s "http://127.0.0.1:$port/search.json" > /dev/null; done
bench_perf_allow
for target in "gateway:$((P + 1)):$GPID" "floor:$((P + 5)):$FPID" "haproxy:$((P + 6)):$HPID"; do
  IFS=: read -r name port pid <<<"$target"
  wrk -t2 -c64 -d$((SECS + 4))s "http://127.0.0.1:$port/search.json" > "$W/wrk.txt" &
  load=$!
  sleep 2
  perf record -q -o "$W/perf.data" -e io_uring:io_uring_submit_req -e io_uring:io_uring_poll_arm \
    -e raw_syscalls:sys_enter -p "$pid" -- sleep "$SECS" 2>/dev/null
  wait "$load"
  rps=$(awk '/Requests\/sec/ {print $2}' "$W/wrk.txt")
  echo "== $name: $rps req/s under wrk, traced for $SECS s; per request:"
  perf script -i "$W/perf.data" -F event,trace 2>/dev/null | awk -v n="$(awk "BEGIN {print $rps * $SECS}")" '
    BEGIN { split("0 read 1 write 44 sendto 45 recvfrom 47 recvmsg 202 futex 228 clock_gettime 232 epoll_wait 281 epoll_pwait 426 io_uring_enter 20 writev 46 sendmsg", t, " ")
            for (i = 1; i < length(t); i += 2) name[t[i]] = t[i + 1] }
    /io_uring_submit_req/ { match($0, /opcode [A-Z_]+/); c["io_uring " substr($0, RSTART + 7, RLENGTH - 7)]++; next }
    /io_uring_poll_arm/ { c["io_uring poll armed by the kernel"]++; next }
    /sys_enter/ { match($0, /NR [0-9]+/); nr = substr($0, RSTART + 3, RLENGTH - 3); c["syscall " (nr in name ? name[nr] : nr)]++ }
    END { for (k in c) if (c[k] / n >= 0.005) printf "  %7.3f  %s\n", c[k] / n, k }' | sort -rn
done
bench_perf_restore
