#!/usr/bin/env bash
# Slowloris against the gateway: N connections (default 1000, from four loopback addresses 127.0.0.2-5)
# that each send a request head one header line at a time, one line every two seconds, for the run. Meanwhile both listeners are
# probed twice a second: the admin listener's /healthz and a GET through the front door. Reports the
# probes that failed or were slow, and when the gateway closed the slow connections (408 at
# proxy.request-head-timeout, or at once when a connection cap was reached).
# Usage: bench/slowloris.sh [connections] [seconds]      (defaults: 1000 connections, 30 s)
#        HEAD_TIMEOUT=10s bench/slowloris.sh              proxy.request-head-timeout (default 10s)
# Builds the jar when missing. Everything listens on 127.0.0.1; everything started here stops on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
CONNS=${1:-1000}; SECONDS_RUN=${2:-30}; HEAD_TIMEOUT=${HEAD_TIMEOUT:-10s}
JAR=gateway/target/grafana-ha-gateway.jar
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests

A_PORT=18311; GW_PORT=18313; ADMIN_PORT=18314
W=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

for port in $A_PORT $GW_PORT $ADMIN_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use; stop what listens there" >&2; exit 1; fi
done


java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$JAR" io.grafanaha.testkit.grafana.GrafanaEmulatorMain \
  --port "$A_PORT" --token glsa_bench --name grafana-a >"$W/emulator.log" 2>&1 &
pids+=($!)
bench_wait_url "http://127.0.0.1:$A_PORT/api/health" 30

cat > "$W/gateway.yaml" <<CONF
listen: 127.0.0.1:$GW_PORT
admin:
  listen: 127.0.0.1:$ADMIN_PORT
mode: failover
backends:
  - name: grafana-a
    url: http://127.0.0.1:$A_PORT
    role: primary
failback:
  require-sync: false
proxy:
  request-head-timeout: $HEAD_TIMEOUT
CONF
java -Xmx512m -jar "$JAR" run --config "$W/gateway.yaml" >"$W/gateway.log" 2>&1 &
pids+=($!)
bench_wait_url "http://127.0.0.1:$ADMIN_PORT/readyz" 30
echo "== $CONNS slow connections for $SECONDS_RUN s, proxy.request-head-timeout $HEAD_TIMEOUT ($(ulimit -n) open files allowed here)"

python3 - "$CONNS" "$SECONDS_RUN" "$GW_PORT" "$ADMIN_PORT" <<'PY'
import socket, sys, threading, time, urllib.request

conns, seconds, gw, admin = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
start = time.monotonic()
slow, closed_at, answers = [], {}, {}

def probe(url):
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            r.read()
            return r.status, time.monotonic() - t0
    except Exception as e:
        return str(e)[:60], time.monotonic() - t0

for i in range(conns):
    try:
        # From 127.0.0.2-5, as four attacking hosts would: the probes (from 127.0.0.1) are another client.
        s = socket.create_connection(("127.0.0.1", gw), timeout=2, source_address=(f"127.0.0.{2 + i % 4}", 0))
        s.setblocking(False)
        s.send(b"GET /api/health HTTP/1.1\r\nHost: slow\r\n")
        slow.append(s)
    except OSError:
        closed_at[i] = 0.0

probes = {"admin /healthz": [], "front door GET": []}
stop = False
def prober():
    while not stop:
        probes["admin /healthz"].append(probe(f"http://127.0.0.1:{admin}/healthz"))
        probes["front door GET"].append(probe(f"http://127.0.0.1:{gw}/api/health"))
        time.sleep(0.5)
t = threading.Thread(target=prober); t.start()

next_line = time.monotonic()
while time.monotonic() - start < seconds:
    if time.monotonic() >= next_line:
        for i, s in enumerate(slow):
            if i in closed_at: continue
            try: s.send(b"X-Slow: one-more-line\r\n")
            except OSError: closed_at[i] = time.monotonic() - start
        next_line += 2
    for i, s in enumerate(slow):
        if i in closed_at: continue
        try:
            data = s.recv(4096)
            if data:
                answers[i] = data.split(b"\r\n", 1)[0].decode("latin-1")
            closed_at[i] = time.monotonic() - start
        except BlockingIOError: pass
        except OSError: closed_at[i] = time.monotonic() - start
    time.sleep(0.05)
stop = True; t.join()

for name, results in probes.items():
    ok = [lat for st, lat in results if st == 200]
    bad = [st for st, lat in results if st != 200]
    print(f"{name:16s} probes {len(results):4d}  failed {len(bad):3d}  slowest {max([l for _, l in results] or [0])*1000:7.0f} ms"
          + (f"  (e.g. {bad[0]})" if bad else ""))
times = sorted(closed_at.values())
statuses = {}
for a in answers.values(): statuses[a] = statuses.get(a, 0) + 1
print(f"slow connections {conns}: closed by the gateway {len(times)}; still open {conns - len(times)}")
if times:
    print(f"  closed after: first {times[0]:.1f} s, median {times[len(times)//2]:.1f} s, last {times[-1]:.1f} s; answers: {statuses or 'none (closed at once by a cap)'}")
PY
echo "== refused by a cap:"
curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" | grep '^gateway_connections_refused_total' || true
