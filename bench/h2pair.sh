#!/usr/bin/env bash
# Two gateway jars side by side over HTTP/2: CPU and bytes allocated per request, for a change whose effect is smaller
# than a busy machine's noise. Both serve the same nginx backend (2 KB JSON) over TLS; each round runs
# `h2load -D <seconds> -c 8 -m 32` against each jar, in alternating order, or against both at once with PARALLEL=1.
# Per run: requests/s, CPU per request (user + system, /proc/PID/stat) and bytes allocated per request (JFR's
# jdk.ThreadAllocationStatistics at the start and end of the run, summed over the JVM's threads), then medians and
# the per-round ratio B/A of CPU per request, and totals of answers after 2 s and of failed requests. Allocation per
# request hardly moves with the load; CPU does.
# Usage: bench/h2pair.sh A.jar B.jar [rounds] [seconds]   (defaults 8, 5; H2PAIR_PORTS=<base>, default 29280)
# Needs h2load (nghttp2-client), nginx, openssl, jcmd and jfr. Everything listens on 127.0.0.1 and stops on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
A=$1; B=$2; ROUNDS=${3:-8}; SECS=${4:-5}; P=${H2PAIR_PORTS:-29280}
bench_workdir
trap bench_cleanup EXIT
bench_www compact
bench_tls_cert
bench_backend "$P"
bench_alloc_jfc
bench_gateway a "$A" $((P + 3)) $((P + 13)) "$P" "$BENCH_TLS_YAML"; PA=${pids[-1]}
bench_gateway b "$B" $((P + 4)) $((P + 14)) "$P" "$BENCH_TLS_YAML"; PB=${pids[-1]}
for port in $((P + 3)) $((P + 4)); do
  bench_wait_url "https://127.0.0.1:$port/search.json" || { echo "port $port did not answer"; cat "$W/logs/"*; exit 1; }
done
# JFR's first recording loads and compiles its own classes: do it before measuring, then warm both jars up.
for pid in $PA $PB; do
  jcmd "$pid" JFR.start name=warm settings="$W/alloc.jfc" filename="$W/warm-$pid.jfr" > /dev/null
  jcmd "$pid" JFR.stop name=warm > /dev/null
done
for port in $((P + 3)) $((P + 4)); do h2load -D "${H2PAIR_WARMUP:-20}" -c 8 -m 32 "https://127.0.0.1:$port/search.json" > /dev/null; done

run() { # pid port name
  local t0 t1 out n rps bytes late errors
  jcmd "$1" JFR.start name=run settings="$W/alloc.jfc" filename="$W/run-$1.jfr" > /dev/null
  t0=$(bench_cpu_ticks "$1")
  out=$(h2load -D "$SECS" -c 8 -m 32 --log-file="$W/h2-$3.log" "https://127.0.0.1:$2/search.json")
  t1=$(bench_cpu_ticks "$1")
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
  # A build that fails or stalls requests must not look cheaper per request: answers after more than 2 s (the log's
  # third field is microseconds) and h2load's failed and errored requests are counted per run.
  late=$(awk '$3 > 2000000 { n++ } END { print n + 0 }' "$W/h2-$3.log")
  errors=$(awk '/requests:/ { gsub(",", ""); print $10 + $12; exit }' <<<"$out")
  awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" -v r="$rps" -v b="$bytes" -v name="$3" -v late="$late" -v e="${errors:-0}" \
    'BEGIN { printf "%s %.0f %.1f %.0f %d %d\n", name, r, d / hz * 1e6 / n, b / n, late, e }'
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
    late, errors = (int(sum(r[i] for r in runs[name])) for i in (3, 4))
    print(f"{name}: median {rps:.0f} req/s, {us:.1f} us CPU per request, {b:.0f} bytes allocated per request;"
          f" over all rounds {late} answers after 2 s, {errors} failed")
ratios = [b[1] / a[1] for a, b in zip(runs["A"], runs["B"])]
print("B/A CPU per request by round:", " ".join(f"{r:.2f}" for r in ratios), f"(median {st.median(ratios):.2f})")
PY
