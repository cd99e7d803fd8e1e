#!/usr/bin/env bash
# Where a proxy's p99 goes when its own work is done: how long its threads wait for a core after waking up. For the
# gateway and HAProxy in turn, under the same load (2 KB /search.json from the nginx backend, wrk -t2 -c64,
# keep-alive), `perf sched` records the scheduler for a few seconds, and for each group of threads (the gateway's
# event loops, its access-log writer, HAProxy's threads, nginx, wrk) this prints the CPU they ran, how often they
# were switched in, their average and longest wait between being woken and running, and the length of an average
# run. Beside it, from /proc/PID/task/*/status over a window of the same load just before the recording (perf
# perturbs what it records), how often each group's threads gave up their core themselves (voluntary: they slept) and
# were taken off it (involuntary: preempted). The gateway's own time per request
# (the access log's durationMs: head read to answer written) is printed beside wrk's percentiles.
# Usage: bench/sched.sh [seconds recorded, default 5] [rounds, default 2]
# Installs wrk, haproxy, nginx and perf (linux-perf) from Debian when missing; builds the jar when missing.
# Everything listens on 127.0.0.1; everything started here is stopped on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
SECS=${1:-5}; ROUNDS=${2:-2}
JAR=${JAR:-gateway/target/grafana-ha-gateway.jar}
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests
if ! command -v wrk >/dev/null || ! command -v haproxy >/dev/null || ! command -v nginx >/dev/null || ! command -v perf >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk haproxy nginx-light linux-perf
fi
bench_workdir; trap bench_cleanup EXIT
P=${SCHED_BENCH_PORTS:-18480}
bench_www; bench_backend "$P"
bench_haproxy $((P + 2)) "$P"
bench_gateway gateway "$JAR" $((P + 1)) $((P + 3)) "$P"
GPID=${pids[-1]}
for port in $((P + 1)) $((P + 2)); do bench_wait_url "http://127.0.0.1:$port/search.json" 60; done
echo "warming up: 30 s for the gateway, 5 s for HAProxy"
switches() { # one line per thread of the gateway, HAProxy and nginx: group voluntary involuntary
  local pid t
  for pid in "$GPID" $(pgrep -x haproxy) $(pgrep -x nginx); do
    for t in /proc/"$pid"/task/*; do
      printf '%s %s %s\n' "$(tr ' ' _ < "$t/comm" 2>/dev/null)" \
        "$(awk '/^voluntary_ctxt/ {print $2}' "$t/status" 2>/dev/null)" "$(awk '/^nonvoluntary_ctxt/ {print $2}' "$t/status" 2>/dev/null)"
    done
  done
}
wrk -t2 -c64 -d30s "http://127.0.0.1:$((P + 1))/search.json" > /dev/null
wrk -t2 -c64 -d5s "http://127.0.0.1:$((P + 2))/search.json" > /dev/null

for r in $(seq 1 "$ROUNDS"); do
  for target in $(bench_rotated "$r" gateway:$((P + 1)) haproxy:$((P + 2))); do
    name=${target%%:*}; port=${target##*:}
    : > "$W/logs/gateway.log"
    # The load runs a second longer on each side than the two windows: the context switches are counted in the
    # first, without perf (recording the scheduler perturbs it), and the scheduler recorded in the second.
    wrk -t2 -c64 -d$((2 * SECS + 2))s --latency "http://127.0.0.1:$port/search.json" > "$W/wrk.out" & load=$!
    sleep 1
    switches > "$W/switches.before"
    sleep "$SECS"
    switches > "$W/switches.after"
    perf sched record -q -o "$W/sched.data" -- sleep "$SECS" > /dev/null 2>&1
    wait "$load"
    perf sched latency -i "$W/sched.data" 2>/dev/null > "$W/latency.txt"
    echo
    echo "== round $r, $name: wrk $(awk '$1=="50%"{p50=$2} $1=="99%"{p99=$2} /Requests\/sec/{r=$2} END{print r " req/s, p50 " p50 ", p99 " p99}' "$W/wrk.out")"
    python3 - "$W/latency.txt" "$W/logs/gateway.log" "$name" "$SECS" "$W/switches.before" "$W/switches.after" <<'PY'
import json, re, sys
latency, log, name, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def context_switches(path):
    counts = {}
    for line in open(path):
        parts = line.split()
        if len(parts) != 3:
            continue  # a thread that ended while it was read
        comm, voluntary, involuntary = parts
        group = next((label for prefix, label in groups.items() if comm.startswith(prefix)), None)
        if group:
            c = counts.setdefault(group, [0, 0])
            c[0] += int(voluntary); c[1] += int(involuntary)
    return counts
groups = {"event-loop": "gateway event loops", "access-log-writ": "gateway access-log writer", "haproxy": "haproxy threads",
          "nginx": "nginx workers", "wrk": "wrk threads"}
rows = {}
for line in open(latency):
    m = re.match(r"\s*(\S.*?):\S*\s*\|\s*([\d.]+) ms\s*\|\s*(\d+)\s*\|\s*avg:\s*([\d.]+) ms\s*\|\s*max:\s*([\d.]+) ms", line)
    if not m:
        continue
    task, runtime, switches, avg, mx = m.group(1), float(m.group(2)), int(m.group(3)), float(m.group(4)), float(m.group(5))
    for prefix, label in groups.items():
        if task.startswith(prefix):
            r = rows.setdefault(label, [0.0, 0, 0.0, 0.0])
            r[0] += runtime; r[1] += switches; r[2] += avg * switches; r[3] = max(r[3], mx)
print(f"  {'threads':28} {'CPU ms/s':>9} {'runs/s':>8} {'avg run ms':>11} {'avg wait ms':>12} {'max wait ms':>12}")
for label, (runtime, switches, weighted, mx) in sorted(rows.items()):
    if switches:
        print(f"  {label:28} {runtime / secs:9.0f} {switches / secs:8.0f} {runtime / switches:11.3f} {weighted / switches:12.3f} {mx:12.2f}")
if not rows:
    print("  (perf recorded no switches of these threads: its scheduler events may be unavailable on this kernel)")
before, after = context_switches(sys.argv[5]), context_switches(sys.argv[6])
print(f"  {'threads, window without perf':28} {'slept/s':>9} {'preempted/s':>12}")
for label in sorted(after):
    b, a = before.get(label, [0, 0]), after[label]
    if a[0] - b[0] + a[1] - b[1] > 0:
        print(f"  {label:28} {(a[0] - b[0]) / secs:9.0f} {(a[1] - b[1]) / secs:12.0f}")
if name == "gateway":
    d = []
    for line in open(log):
        if line.startswith("{"):
            try:
                d.append(float(json.loads(line)["durationMs"]))
            except (ValueError, KeyError):
                pass
    d.sort()
    if d:
        n = len(d)
        print(f"  the gateway's own time per request (access log, {n} requests): p50 {d[n // 2]:.2f} ms, p90 {d[int(n * .9)]:.2f},"
              f" p99 {d[int(n * .99)]:.2f}, p99.9 {d[int(n * .999)]:.2f}, max {d[-1]:.2f}")
PY
  done
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
