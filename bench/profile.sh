#!/usr/bin/env bash
# Where a gateway's event loops spend their time under load: an async-profiler profile of a running gateway (2 KB
# /search.json from the nginx backend, wrk -t2 -c64, keep-alive), taken after a warm-up, and a summary of it.
# async-profiler comes from Maven Central (tools.profiler:async-profiler, linux-x64), loaded into the gateway with the
# JDK's attach API (jcmd's JVMTI.agent_load cannot pass its options), so the gateway runs exactly as in bench/proxy.sh.
# Usage: bench/profile.sh [seconds] [warm-up seconds]      (defaults: 20 s profiled after 30 s of load)
#        PROFILE_EVENT=alloc bench/profile.sh              allocation samples instead of CPU
#        PROFILE_OUT=/tmp/p bench/profile.sh               keeps the collapsed stacks in /tmp/p.collapsed (default: $W, removed)
#        JAR=old.jar GATEWAY_EXTRA=yaml bench/profile.sh   another build, or configuration appended to the gateway's
#        PROFILE_LOAD=h2 bench/profile.sh                  HTTP/2 over TLS instead: h2load, 8 connections x 32 streams
#        PROFILE_LOAD=close bench/profile.sh               the same wrk load with a new connection per request (Connection: close)
# Prints the load tool's figures, the gateway's CPU per request, and for the event-loop threads: the share of samples in the
# kernel, Netty, the JDK and the gateway's own code, the top frames, and the gateway's methods that own the most
# user time (each sample charged to the innermost gateway frame above it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
SECS=${1:-20}; WARMUP=${2:-30}; EVENT=${PROFILE_EVENT:-cpu}
JAR=${JAR:-gateway/target/grafana-ha-gateway.jar}
AP_VERSION=4.1
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
LOAD=${PROFILE_LOAD:-http1}
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v h2load >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk nginx-light nghttp2-client
fi
AP_JAR=~/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION-linux-x64.jar
[ -f "$AP_JAR" ] || mvn -B -q -ntp dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64
bench_workdir; trap bench_cleanup EXIT
unzip -q -o "$AP_JAR" -d "$W/ap"
LIB=$(find "$W/ap" -name libasyncProfiler.so | head -1)
cat > "$W/Attach.java" <<'JAVA'
public class Attach {
    public static void main(String[] args) throws Exception {
        var vm = com.sun.tools.attach.VirtualMachine.attach(args[0]);
        try {
            vm.loadAgentPath(args[1], args[2]);
        } finally {
            vm.detach();
        }
    }
}
JAVA
javac -d "$W" "$W/Attach.java"
# Profiling lowers the kernel's guard on perf events for this run (async-profiler falls back to timers without it).
bench_perf_allow
P=${PROFILE_BENCH_PORTS:-18380}
bench_www; bench_backend "$P"
SCHEME=http; TLS_YAML=""
if [ "$LOAD" = h2 ]; then bench_tls_cert; SCHEME=https; TLS_YAML=$BENCH_TLS_YAML$'\n'; fi
bench_gateway gateway "$JAR" $((P + 1)) $((P + 2)) "$P" "$TLS_YAML${GATEWAY_EXTRA:-}"
GPID=${pids[-1]}
URL="$SCHEME://127.0.0.1:$((P + 1))/search.json"
bench_wait_url "$URL" 60
load() { # seconds: prints the load tool's output
  case "$LOAD" in
    h2) h2load -D "$1" -c 8 -m 32 "$URL" ;;
    close) wrk -t2 -c64 -d"$1s" -H 'Connection: close' "$URL" ;;
    *) wrk -t2 -c64 -d"$1s" "$URL" ;;
  esac
}
load "$WARMUP" > /dev/null
OUT=${PROFILE_OUT:-$W/profile}
java -cp "$W" Attach "$GPID" "$LIB" "start,event=$EVENT,interval=$([ "$EVENT" = cpu ] && echo 1ms || echo 512k),threads" > /dev/null
ticks_before=$(awk '{print $14 + $15}' "/proc/$GPID/stat")
result=$(load "$SECS")
ticks_after=$(awk '{print $14 + $15}' "/proc/$GPID/stat")
java -cp "$W" Attach "$GPID" "$LIB" "stop,file=$OUT.collapsed,collapsed,threads" > /dev/null
bench_perf_restore
echo "$result"
if [ "$LOAD" = h2 ]; then requests=$(awk '/requests:/ {print $4; exit}' <<<"$result"); else requests=$(awk '/requests in/ {print $1}' <<<"$result"); fi
echo "gateway CPU per request (profiler running): $(( (ticks_after - ticks_before) * 1000000 / $(getconf CLK_TCK) / requests )) us"
python3 - "$OUT.collapsed" "$EVENT" <<'PY'
import collections, re, sys
path, event = sys.argv[1], sys.argv[2]
kinds, top, owner, total = collections.Counter(), collections.Counter(), collections.Counter(), 0
for line in open(path):
    stack, n = line.rstrip().rsplit(" ", 1)
    frames = stack.split(";")
    if not re.match(r"\[event-loop", frames[0]):
        continue
    n = int(n); total += n; leaf = frames[-1]
    kind = ("kernel" if leaf.endswith("_[k]") else "netty" if leaf.startswith("io/netty") else
            "gateway" if leaf.startswith("io/grafanaha") else
            "jdk" if leaf.startswith(("java", "jdk", "sun")) else "other native")
    kinds[kind] += n; top[leaf] += n
    if kind != "kernel":
        ours = [f for f in frames if f.startswith("io/grafanaha")]
        owner[ours[-1] if ours else "(no gateway frame: the event loop itself)"] += n
if not total:
    sys.exit("no samples from event-loop threads")
print(f"\n{event} samples of the event-loop threads: {total}")
print("  " + ", ".join(f"{k} {v * 100 / total:.1f} %" for k, v in kinds.most_common()))
print("top frames:")
for k, v in top.most_common(15): print(f"  {v * 100 / total:5.1f} %  {k[:120]}")
print("gateway methods owning the most samples outside the kernel:")
for k, v in owner.most_common(15): print(f"  {v * 100 / total:5.1f} %  {k[:120]}")
PY
