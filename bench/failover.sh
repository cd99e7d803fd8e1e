#!/usr/bin/env bash
# Failover under load: two Grafana emulators (separate JVMs), the gateway in failover mode in front of
# them, a steady open-loop GET load through the gateway, then the primary is broken and repaired:
#   kill   : kill -9 of the primary, later a new primary process on the same port (failback);
#   hang   : kill -STOP of the primary (accepts connections, answers nothing), later kill -CONT;
#   full   : the primary behind a relay listening with a backlog of 1, and kill -STOP of the relay: its
#            accept queue fills, so new connections get no SYN-ACK (a stopped Grafana under load), later -CONT.
#   saves  : with Git sync and write-back, SAVE_USERS virtual users load and save dashboards in a loop through
#            the gateway (the body Grafana's UI sends, two users per dashboard), kill -9 of the primary, a new
#            (empty) primary later; counts saves answered 200, 412 with a real conflict, 412/5xx/resets without
#            one (must be 0), sign-outs (a 401 or a redirect to /login: must be 0), saves replayed
#            (routing.replay-saves), and saves lost (answered 200 but at the end in no instance and nowhere in
#            Git: must be 0). Users are signed in: each a different person named by trusted headers
#            (auth.mode: trusted-header), Grafana's auth proxy on in both emulators. See run_saves.
# Every request is recorded (start, latency, status, which emulator answered); a table is printed.
# Usage: bench/failover.sh [rounds] [rate]     (defaults: 3 rounds of each, 500 GETs per second)
#        TRY_TIMEOUT=300ms bench/failover.sh    also sets routing.try-timeout
#        FAULTS="full" bench/failover.sh 1      only some of the faults (default: "kill hang full saves")
#        SAVE_USERS=16 SAVE_THINK_MS=2000 REPLAY_SAVES=false   the saves run: users, pause, routing.replay-saves
#        SIGNED_IN=basic                                      the saves run with Grafana's basic auth, no sign-in
#        GATEWAY_JAR=old.jar bench/failover.sh  measures another build (for a before/after ratio)
# Builds the jar when missing. Everything listens on 127.0.0.1; everything started here stops on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; RATE=${2:-500}
KEEP=${FAILOVER_KEEP:-}   # a directory: keep every run's load CSV, status JSON and logs there
JAR=${GATEWAY_JAR:-gateway/target/grafana-ha-gateway.jar}   # GATEWAY_JAR=old.jar measures another build
TOOLS=${TOOLS_JAR:-gateway/target/grafana-ha-gateway.jar}   # emulators, load, relay, report: always this build's
[ -f "$JAR" ] && [ -f "$TOOLS" ] || mvn -B -q -ntp package -DskipTests

A_PORT=18301; B_PORT=18302; GW_PORT=18303; ADMIN_PORT=18304; RELAY_PORT=18305; GIT_PORT=18306
FAULTS=${FAULTS:-kill hang full saves}
WARM_S=6; BROKEN_S=5; LOAD_S=22   # fault at 6 s, repair at ~11 s, load ends at 22 s (hold 2 s + rise fits)
W=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -CONT "$p" 2>/dev/null || true   # a stopped JVM cannot run its shutdown hook
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cp -r "$W"/. "$KEEP"/; fi
  rm -rf "$W"
}
trap cleanup EXIT

for port in $A_PORT $B_PORT $GW_PORT $ADMIN_PORT $RELAY_PORT $GIT_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use; stop what listens there" >&2; exit 1; fi
done

now_ms() { date +%s%3N; }
# The emulators and the load client are tools, not the thing measured: C1 only and a serial GC keep
# their CPU (JIT threads, GC) off the two cores the gateway needs. The gateway runs with defaults.
TOOL_JVM="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"


start_emulator() {   # name port [more emulator options] -> pid in $!
  java $TOOL_JVM -cp "$TOOLS" io.grafanaha.testkit.grafana.GrafanaEmulatorMain \
    --port "$2" --token "glsa_bench_$1" --name "$1" "${@:3}" >>"$W/$1.log" 2>&1 &
  pids+=($!)
}

cat > "$W/gateway.yaml" <<CONF
listen: 127.0.0.1:$GW_PORT
admin:
  listen: 127.0.0.1:$ADMIN_PORT
  token: bench-admin-token
mode: failover
backends:
  - name: grafana-a
    url: http://127.0.0.1:$A_PORT
    role: primary
  - name: grafana-b
    url: http://127.0.0.1:$B_PORT
    role: replica
health:
  path: /api/health
  interval: 500ms
  timeout: 300ms
  rise: 2
  fall: 2
failback:
  mode: auto
  require-sync: false
  hold: 2s
routing:
  retries: 1
CONF
if [ -n "${TRY_TIMEOUT:-}" ]; then echo "  try-timeout: $TRY_TIMEOUT" >>"$W/gateway.yaml"; fi
# The "full" fault reaches the primary through the backlog-1 relay; everything else is the same.
sed "s|url: http://127.0.0.1:$A_PORT|url: http://127.0.0.1:$RELAY_PORT|" "$W/gateway.yaml" >"$W/gateway-full.yaml"
echo "== gateway configuration (proxy.* at defaults: response-timeout 60s, connect-timeout 2s)"
cat "$W/gateway.yaml"
echo

# One run: fresh emulators and gateway, load, fault at WARM_S, repair BROKEN_S later, one report row.
run_one() {   # label fault(kill|hang|full) round
  local label=$1 fault=$2 round=$3 dir="$W/$1-$3" config="$W/gateway.yaml" relay_pid=""
  mkdir -p "$dir"
  start_emulator grafana-a $A_PORT; local a_pid=$!
  start_emulator grafana-b $B_PORT; local b_pid=$!
  bench_wait_url "http://127.0.0.1:$A_PORT/api/health" 30
  bench_wait_url "http://127.0.0.1:$B_PORT/api/health" 30
  if [ "$fault" = full ]; then
    config="$W/gateway-full.yaml"
    java $TOOL_JVM -cp "$TOOLS" io.grafanaha.testkit.bench.BacklogOneRelay --listen $RELAY_PORT --to $A_PORT \
      >"$dir/relay.log" 2>&1 &
    relay_pid=$!; pids+=($relay_pid)
    bench_wait_url "http://127.0.0.1:$RELAY_PORT/api/health" 30
  fi
  # The emulators are JVMs: warm their JIT directly first, so "the replica serves" measures the
  # gateway and not a cold emulator (a real Grafana replica is native code).
  for port in $A_PORT $B_PORT; do
    java $TOOL_JVM -cp "$TOOLS" io.grafanaha.testkit.bench.PacedLoad --url "http://127.0.0.1:$port/api/health" \
      --rate 500 --seconds 2 --out "$dir/warm-$port.csv" >/dev/null 2>&1
  done
  java -Xmx512m -jar "$JAR" run --config "$config" >"$dir/gateway.log" 2>&1 &
  local gw_pid=$!; pids+=($gw_pid)
  bench_wait_url "http://127.0.0.1:$ADMIN_PORT/readyz" 30
  local deadline=$(( $(date +%s) + 15 ))
  until curl -fsS "http://127.0.0.1:$ADMIN_PORT/api/status" | grep -q '"active":\["grafana-a"\]'; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "grafana-a never became active" >&2; return 1; }
    sleep 0.1
  done

  java $TOOL_JVM -cp "$TOOLS" io.grafanaha.testkit.bench.PacedLoad --url "http://127.0.0.1:$GW_PORT/api/health" \
    --rate "$RATE" --seconds "$LOAD_S" --out "$dir/load.csv" >"$dir/load.log" 2>&1 &
  local load_pid=$!; pids+=($load_pid)
  sleep "$WARM_S"

  local fault_ms repair_ms
  fault_ms=$(now_ms)
  case $fault in
    kill) kill -9 "$a_pid" ;;
    hang) kill -STOP "$a_pid" ;;
    full) kill -STOP "$relay_pid" ;;
  esac
  sleep "$BROKEN_S"
  if [ "$fault" = kill ]; then
    wait "$a_pid" 2>/dev/null || true
    start_emulator grafana-a $A_PORT; a_pid=$!
    bench_wait_url "http://127.0.0.1:$A_PORT/api/health" 30
    repair_ms=$(now_ms)   # the new primary answers: from here the gate (rise 2, hold 2 s) decides
  else
    repair_ms=$(now_ms)
    kill -CONT "${relay_pid:-$a_pid}"
  fi

  wait "$load_pid" || true
  curl -fsS "http://127.0.0.1:$ADMIN_PORT/api/status" >"$dir/status.json"
  java -cp "$TOOLS" io.grafanaha.testkit.bench.FailoverReport --run "$label" --csv "$dir/load.csv" \
    --status "$dir/status.json" --fault-ms "$fault_ms" --repair-ms "$repair_ms" \
    --primary grafana-a --replica grafana-b | tee -a "$W/rows.tsv"
  kill "$gw_pid" "$a_pid" "$b_pid" $relay_pid 2>/dev/null || true
  wait "$gw_pid" "$a_pid" "$b_pid" $relay_pid 2>/dev/null || true
  pids=()   # all reaped: never signal a reused pid
}

# Saves during kill -9: fresh repository (DASHBOARDS dashboards), emulators and gateway with sync and write-back;
# SAVE_USERS users saving for SAVE_S seconds; kill -9 of the primary at WARM_S, a new empty primary BROKEN_S later
# (the sync gives it Git's dashboards back); then every save answered 200 is looked for in Git and on the instances.
SAVE_USERS=${SAVE_USERS:-16}; SAVE_S=${SAVE_S:-20}; SAVE_THINK_MS=${SAVE_THINK_MS:-2000}; DASHBOARDS=$(( (SAVE_USERS + 1) / 2 ))
run_saves() {   # round
  local dir="$W/saves-$1" bare
  mkdir -p "$dir/git"
  bare="$dir/git/grafana-manifests.git"
  git init -q --bare -b main "$bare"
  git clone -q "$bare" "$dir/seed" 2>/dev/null
  mkdir -p "$dir/seed/shared"
  for n in $(seq 1 $DASHBOARDS); do
    printf '{\n  "uid": "dash-%s",\n  "title": "Dashboard %s",\n  "schemaVersion": 39,\n  "panels": []\n}\n' "$n" "$n" \
      >"$dir/seed/shared/dash-$n.json"
  done
  git -C "$dir/seed" add -A
  git -C "$dir/seed" -c user.name=bench -c user.email=bench@invalid commit -q -m "$DASHBOARDS dashboards"
  git -C "$dir/seed" push -q origin main
  git daemon --export-all --enable=receive-pack --base-path="$dir/git" --listen=127.0.0.1 --port=$GIT_PORT \
    --reuseaddr >"$dir/git-daemon.log" 2>&1 &
  local git_pid=$!; pids+=($git_pid)
  local signed_in=${SIGNED_IN:-trusted-header} auth_proxy=()
  # Grafana's auth proxy believes X-WEBAUTH-* from the gateway's address only (whitelist).
  [ "$signed_in" = basic ] || auth_proxy=(--auth-proxy 127.0.0.1)
  start_emulator grafana-a $A_PORT "${auth_proxy[@]}"; local a_pid=$!
  start_emulator grafana-b $B_PORT "${auth_proxy[@]}"; local b_pid=$!
  bench_wait_url "http://127.0.0.1:$A_PORT/api/health" 30
  bench_wait_url "http://127.0.0.1:$B_PORT/api/health" 30
  sed -e "s|^    role: primary|    role: primary\n    api-token: glsa_bench_grafana-a|" \
      -e "s|^    role: replica|    role: replica\n    api-token: glsa_bench_grafana-b|" "$W/gateway.yaml" >"$dir/gateway.yaml"
  cat >>"$dir/gateway.yaml" <<SAVECONF
  replay-saves: ${REPLAY_SAVES:-true}
sync:
  repository: git://127.0.0.1:$GIT_PORT/grafana-manifests.git
  branch: main
  path: shared/
  interval: 5s
  poll-interval: 1s
  write-back: true
  data-dir: $dir/data
SAVECONF
  if [ "$signed_in" != basic ]; then   # the load client stands in for the authenticating proxy in front
    cat >>"$dir/gateway.yaml" <<AUTHCONF
proxy:
  trusted-proxies: [127.0.0.1]
auth:
  mode: trusted-header
  trusted-header:
    role: X-Auth-Request-Role
AUTHCONF
  fi
  java -Xmx512m -jar "$JAR" run --config "$dir/gateway.yaml" >"$dir/gateway.log" 2>&1 &
  local gw_pid=$!; pids+=($gw_pid)
  bench_wait_url "http://127.0.0.1:$ADMIN_PORT/readyz" 30
  local deadline=$(( $(date +%s) + 60 )) port
  for port in $A_PORT $B_PORT; do
    until curl -fsS -u admin:admin "http://127.0.0.1:$port/api/dashboards/uid/dash-$DASHBOARDS" >/dev/null 2>&1; do
      [ "$(date +%s)" -lt "$deadline" ] || { echo "the first sync pass did not reach 127.0.0.1:$port" >&2; return 1; }
      sleep 0.1
    done
  done
  until curl -fsS "http://127.0.0.1:$ADMIN_PORT/api/status" | grep -q '"active":\["grafana-a"\]'; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "grafana-a never became active" >&2; return 1; }
    sleep 0.1
  done

  java -Xmx256m -cp "$TOOLS" bench/SaveLoad.java "http://127.0.0.1:$GW_PORT" "$SAVE_USERS" "$SAVE_S" "$DASHBOARDS" \
    "$dir/acked.csv" "$SAVE_THINK_MS" "$signed_in" >"$dir/load.out" 2>&1 &
  local load_pid=$!; pids+=($load_pid)
  deadline=$(( $(date +%s) + 60 ))
  until grep -q '^running' "$dir/load.out" 2>/dev/null; do   # compiling SaveLoad.java takes a while
    [ "$(date +%s)" -lt "$deadline" ] || { echo "the save load did not start" >&2; return 1; }
    sleep 0.1
  done
  sleep "$WARM_S"
  kill -9 "$a_pid"; wait "$a_pid" 2>/dev/null || true
  sleep "$BROKEN_S"
  start_emulator grafana-a $A_PORT "${auth_proxy[@]}"; a_pid=$!
  wait "$load_pid" || true

  # Settle: the write-back has committed everything journaled, and both instances hold Git's head.
  deadline=$(( $(date +%s) + 60 ))
  until curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" | grep -q '^gateway_writeback_backlog 0'; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "write-back backlog not drained after 60 s" >&2; break; }
    sleep 0.5
  done
  sleep 8   # two sync passes (interval 5s) and several write-back polls of the returned primary
  git --git-dir="$bare" log -p --all -- shared/ >"$dir/git-history.txt"
  for port in $A_PORT $B_PORT; do
    for n in $(seq 1 $DASHBOARDS); do
      curl -fsS -u admin:admin "http://127.0.0.1:$port/api/dashboards/uid/dash-$n" 2>/dev/null || true
    done
  done >"$dir/instances.txt"
  local lost=0 uid title
  while IFS=, read -r uid title; do
    [ "$uid" = uid ] && continue
    if grep -qF "\"$title\"" "$dir/git-history.txt" || grep -qF "\"$title\"" "$dir/instances.txt"; then continue; fi
    lost=$(( lost + 1 )); echo "lost: $uid $title"
  done <"$dir/acked.csv"
  local metrics replays conflicts
  metrics=$(curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics")
  replays=$(awk '/^gateway_retries_total\{.*cause="save-replay"/ { s += $2 } END { print int(s) }' <<<"$metrics")
  conflicts=$(awk '/^gateway_conflicts_total/ { print int($2) }' <<<"$metrics")
  echo "saves run $1 ($SAVE_USERS users, 2 per dashboard, up to $SAVE_THINK_MS ms between load and save, $SAVE_S s," \
    "kill -9 of grafana-a at ${WARM_S}s, routing.replay-saves ${REPLAY_SAVES:-true}, users: $signed_in):"
  grep -E '^saves sent' "$dir/load.out" | sed 's/^/  /'
  awk '/^save without/ && n++ < 5 { print "    e.g. " $0 }' "$dir/load.out"
  echo "  replayed saves (gateway_retries_total{cause=\"save-replay\"}): $replays; write-back conflict branches: $conflicts"
  echo "  saves lost (answered 200, at the end in no instance and nowhere in Git): $lost (must be 0)"
  kill "$gw_pid" "$a_pid" "$b_pid" "$git_pid" 2>/dev/null || true
  wait "$gw_pid" "$a_pid" "$b_pid" "$git_pid" 2>/dev/null || true
  pids=()
}

echo "== $ROUNDS rounds each, $RATE GET/s of /api/health through the gateway; fault at ${WARM_S}s, repair ${BROKEN_S}s later"
java -cp "$TOOLS" io.grafanaha.testkit.bench.FailoverReport --header
for round in $(seq 1 "$ROUNDS"); do
  for fault in $FAULTS; do
    case $fault in
      kill) run_one kill-9 kill "$round" ;;
      hang) run_one stop-cont hang "$round" ;;
      full) run_one full-queue full "$round" ;;
      saves) run_saves "$round" >>"$W/saves.txt" ;;
      *) echo "unknown fault $fault (kill, hang, full, saves)" >&2; exit 2 ;;
    esac
  done
done

echo
echo "== medians (ms; -1 = did not happen)"
java -cp "$TOOLS" io.grafanaha.testkit.bench.FailoverReport --header
for label in kill-9 stop-cont full-queue; do
  if grep -q "^$label" "$W/rows.tsv"; then java -cp "$TOOLS" io.grafanaha.testkit.bench.FailoverReport --median "$label" "$W/rows.tsv"; fi
done
cat <<'NOTE'

replica_serves_ms: fault -> first 200 from grafana-b as the client saw it; detection_ms: fault -> the
gateway's failover event; base_p99_ms: p99 of the GETs sent 3 s..0.5 s before the fault (the box's noise
floor); fault_max_ms, over_1s: slowest GET, and GETs over 1 s, among those sent from 1 s before the
fault until the repair; failback_event_ms / first_primary_200_ms: repair (new primary answering, or
kill -CONT) -> failback event / first 200 from grafana-a; up_to_failback_ms: the primary's "up" event ->
failback (the hold, 2 s); early: 200s from grafana-a between failover and failback (must be 0).
NOTE
if [ -f "$W/saves.txt" ]; then
  echo
  echo "== saves during kill -9 of the primary"
  cat "$W/saves.txt"
fi
