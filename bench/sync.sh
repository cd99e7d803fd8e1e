#!/usr/bin/env bash
# Sync at 1,000 dashboards: the gateway keeping two Grafana emulators (separate processes) identical to a Git
# repository served by `git daemon`. Measures the first pass, a pass with nothing to do, a pass after one changed
# file, webhook-push-to-visible-everywhere latency, writes per backend, and the gateway's peak RSS. Then, unless
# WRITEBACK=0, the write-back: save through the gateway -> in Git -> on the other backend (bench/writeback.sh).
#
# Usage: bench/sync.sh [dashboards] [pushes]          (defaults: 1000 dashboards, 20 pushes)
# Environment: HEAP=256m (the gateway's -Xmx; HEAP= for the JVM default), CORPUS=../shared/corpus/mixins,
#              IDLE_RUNS=5, CHANGE_RUNS=3, KEEP=1 keeps the work directory, WRITEBACK=0 skips the write-back
#              part, SAVES=20 saves in it, LIBRARY_PANELS=200 adds that many library panels (each used by one
#              dashboard; 0 = dashboards only, as the figures before issue 15), ALERT_RULES=0 / ALERT_GROUPS=50 /
#              CONTACT_POINTS=0 add alerting files (e.g. ALERT_RULES=500 CONTACT_POINTS=20 for issue 15's mixed
#              repository), DATA_SOURCES=0 adds that many data sources (and sync.datasources: true),
#              MIX=1 = issue 15's mixed repository (LIBRARY_PANELS=200 ALERT_RULES=500 ALERT_GROUPS=50
#              CONTACT_POINTS=20 DATA_SOURCES=10 unless set) and then also times KIND_PUSHES=10 pushes of each
#              other kind present (library panel, alert rule group, contact point, policy, data source),
#              JAR=path runs that gateway jar (e.g. an older build, for before/after), EMU_JAR=path the
#              emulators' jar (default JAR; keep one EMU_JAR for both sides of a comparison),
#              PORT_BASE=18700 (ports PORT_BASE+1..+5 on 127.0.0.1).
# The dashboards are generated into a temporary Git repository at run time (nothing generated is committed).
# Everything listens on 127.0.0.1; everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1000}; PUSHES=${2:-20}
HEAP=${HEAP-256m}; CORPUS=${CORPUS:-../shared/corpus/mixins}
IDLE_RUNS=${IDLE_RUNS:-5}; CHANGE_RUNS=${CHANGE_RUNS:-3}
if [ "${MIX:-0}" != 0 ]; then
  LIBRARY_PANELS=${LIBRARY_PANELS:-200}; ALERT_RULES=${ALERT_RULES:-500}; ALERT_GROUPS=${ALERT_GROUPS:-50}
  CONTACT_POINTS=${CONTACT_POINTS:-20}; DATA_SOURCES=${DATA_SOURCES:-10}
fi
LIBRARY_PANELS=${LIBRARY_PANELS:-0}; ALERT_RULES=${ALERT_RULES:-0}; ALERT_GROUPS=${ALERT_GROUPS:-50}
CONTACT_POINTS=${CONTACT_POINTS:-0}; DATA_SOURCES=${DATA_SOURCES:-0}; KIND_PUSHES=${KIND_PUSHES:-10}
JAR=${JAR:-gateway/target/grafana-ha-gateway.jar}
[ -f "$JAR" ] || [ "$JAR" != gateway/target/grafana-ha-gateway.jar ] || mvn -B -q -ntp package -DskipTests
[ -f "$JAR" ] || { echo "no jar at $JAR" >&2; exit 2; }
EMU_JAR=${EMU_JAR:-$JAR}
[ -f "$EMU_JAR" ] || { echo "no emulator jar at $EMU_JAR" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS (set CORPUS=)" >&2; exit 2; }

W=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.2
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done   # e.g. a JVM stuck after OutOfMemoryError
  if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

PORT_BASE=${PORT_BASE:-18700}   # another PORT_BASE lets two runs share a machine
EMU_A=$((PORT_BASE + 1)); EMU_B=$((PORT_BASE + 2)); GIT_PORT=$((PORT_BASE + 3)); LISTEN=$((PORT_BASE + 4)); ADMIN=$((PORT_BASE + 5))
GRAFANA_TOKEN=glsa_benchSyncToken00000000000000000_00000000
ADMIN_TOKEN=bench-admin; SECRET=bench-webhook-secret

# --- Git: a bare repository served by git daemon, and a work tree that pushes to it
git init -q --bare -b main "$W/repo.git"
git init -q -b main "$W/work"
python3 bench/sync_bench.py generate "$CORPUS" "$W/work" "$COUNT" "$LIBRARY_PANELS"
if [ "$ALERT_RULES" != 0 ] || [ "$CONTACT_POINTS" != 0 ]; then
  python3 bench/sync_bench.py alerting "$W/work" bench "$ALERT_RULES" "$ALERT_GROUPS" "$CONTACT_POINTS"
fi
[ "$DATA_SOURCES" = 0 ] || python3 bench/sync_bench.py datasources "$W/work" "$DATA_SOURCES"
KINDS=()   # the other kinds whose pushes are timed, as sync_bench.py names them
[ "$LIBRARY_PANELS" = 0 ] || KINDS+=("library panel")
[ "$ALERT_RULES" = 0 ] || KINDS+=("alert rule group")
[ "$CONTACT_POINTS" = 0 ] || KINDS+=("contact point" "policy")
[ "$DATA_SOURCES" = 0 ] || KINDS+=("data source")
export BENCH_HOOK_PASSWORD=bench-hook-password   # the contact points' secret, from the environment as in production
git -C "$W/work" add -A
git -C "$W/work" -c user.name=bench -c user.email=bench@invalid commit -q -m "bench: $COUNT dashboards, $LIBRARY_PANELS library panels, $ALERT_RULES alert rules, $DATA_SOURCES data sources"
git -C "$W/work" config user.name bench; git -C "$W/work" config user.email bench@invalid
git -C "$W/work" remote add origin "git://127.0.0.1:$GIT_PORT/repo.git"
git daemon --export-all --enable=receive-pack --base-path="$W" --listen=127.0.0.1 --port=$GIT_PORT --reuseaddr \
  >"$W/git-daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do git ls-remote "git://127.0.0.1:$GIT_PORT/repo.git" >/dev/null 2>&1 && break; sleep 0.1; done
git -C "$W/work" push -q origin HEAD:main
CHANGE_FILE=$(cd "$W/work" && find shared -name '*.json' -not -path 'shared/library-panels/*' -not -path 'shared/alerting/*' \
  -not -path 'shared/datasources/*' | sort | sed -n 1p)

# --- two emulators, each its own JVM
for spec in "grafana-a $EMU_A" "grafana-b $EMU_B"; do
  set -- $spec
  java -Xmx512m -cp "$EMU_JAR" io.grafanaha.testkit.grafana.GrafanaEmulatorMain --port "$2" --token "$GRAFANA_TOKEN" \
    --name "$1" >"$W/$1.log" 2>&1 &
  pids+=($!)
done
for port in $EMU_A $EMU_B; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
done

cat >"$W/gateway.yaml" <<YAML
listen: 127.0.0.1:$LISTEN
admin:
  listen: 127.0.0.1:$ADMIN
  token: $ADMIN_TOKEN
mode: failover
backends:
  - name: grafana-a
    url: http://127.0.0.1:$EMU_A
    role: primary
    api-token: $GRAFANA_TOKEN
  - name: grafana-b
    url: http://127.0.0.1:$EMU_B
    role: replica
    api-token: $GRAFANA_TOKEN
sync:
  repository: git://127.0.0.1:$GIT_PORT/repo.git
  branch: main
  path: shared/
  folder: bench
  interval: 1h
  webhook-secret: $SECRET
  write-back: false
  max-deletes: 10%
  data-dir: $W/data
YAML
[ "$DATA_SOURCES" = 0 ] || echo "  datasources: true" >>"$W/gateway.yaml"

LAUNCHED=$(python3 -c 'import time; print(time.time())')
java ${HEAP:+-Xmx$HEAP} -jar "$JAR" run --config "$W/gateway.yaml" >"$W/gateway.log" 2>&1 &
GW=$!; pids+=($GW)

cat >"$W/settings.json" <<JSON
{"worktree": "$W/work", "change_file": "$CHANGE_FILE", "launched_at": $LAUNCHED,
 "admin_port": $ADMIN, "listen_port": $LISTEN, "admin_token": "$ADMIN_TOKEN", "webhook_secret": "$SECRET",
 "grafana_token": "$GRAFANA_TOKEN", "emulators": {"grafana-a": $EMU_A, "grafana-b": $EMU_B},
 "idle_runs": $IDLE_RUNS, "change_runs": $CHANGE_RUNS, "pushes": $PUSHES,
 "kinds": $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${KINDS[@]}"), "kind_pushes": $KIND_PUSHES}
JSON
if ! REPORT=$(python3 bench/sync_bench.py measure "$W/settings.json"); then
  echo "measurement failed; gateway log tail:" >&2; tail -40 "$W/gateway.log" >&2; exit 1
fi
ALIVE=$(kill -0 "$GW" 2>/dev/null && echo true || echo false)
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$GW/status" 2>/dev/null || echo 0)

# --- restart: a new gateway process (it knows no dashboard versions) against backends that hold everything
kill "$GW"; for _ in $(seq 100); do kill -0 "$GW" 2>/dev/null || break; sleep 0.1; done; kill -9 "$GW" 2>/dev/null || true
LAUNCHED=$(python3 -c 'import time; print(time.time())')
python3 - "$W/settings.json" "$LAUNCHED" <<'PY'
import json, sys
p = sys.argv[1]; s = json.load(open(p)); s["launched_at"] = float(sys.argv[2]); json.dump(s, open(p, "w"))
PY
java ${HEAP:+-Xmx$HEAP} -jar "$JAR" run --config "$W/gateway.yaml" >"$W/gateway-restart.log" 2>&1 &
GW2=$!; pids+=($GW2)
if RESTART=$(python3 bench/sync_bench.py restart "$W/settings.json"); then
  REPORT=$(python3 -c 'import json, sys; a = json.loads(sys.argv[1]); a.update(json.loads(sys.argv[2])); print(json.dumps(a))' "$REPORT" "$RESTART")
fi
ALIVE="$ALIVE/$(kill -0 "$GW2" 2>/dev/null && echo true || echo false)"
RSS_KB=$(( RSS_KB > $(awk '/VmHWM/ {print $2}' "/proc/$GW2/status" 2>/dev/null || echo 0) ? RSS_KB : $(awk '/VmHWM/ {print $2}' "/proc/$GW2/status" 2>/dev/null || echo 0) ))
OOM=$(cat "$W/gateway.log" "$W/gateway-restart.log" | grep -c 'OutOfMemoryError' || true)
echo "$REPORT" >"${REPORT_JSON:-/dev/null}"
echo "gateway jar: $JAR   emulators: $EMU_JAR   load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$REPORT" | python3 bench/sync_bench.py summarise "$HEAP" "$ALIVE" "$RSS_KB" "$OOM"

# --- write-back, on its own processes once these are stopped
if [ "${WRITEBACK:-1}" != 0 ]; then
  cleanup; trap - EXIT
  echo
  bench/writeback.sh "${SAVES:-20}"
fi
