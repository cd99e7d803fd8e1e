#!/usr/bin/env bash
# Write-back latency: how long after a save in Grafana the edit is in Git, and visible on the other Grafana.
# Two Grafana emulators (separate JVMs), a bare repository with 20 dashboards served by the real `git daemon`,
# the gateway (jar) in load-balance mode with sync and write-back. N saves through the gateway alternating
# backends (sticky cookie `gw`; GET for the version, then POST with overwrite false, as Grafana's UI does), one
# at a time; for each: save -> the file on the branch in the bare repository holds the new title, and save ->
# the other emulator's GET /api/dashboards/uid/X shows it. Prints every save, p50/p95 of both, lost edits.
# Usage: bench/writeback.sh [saves]     (default 20)
# Builds the jar when missing. Everything listens on 127.0.0.1; everything started here stops on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
SAVES=${1:-20}
DASHBOARDS=${WRITEBACK_DASHBOARDS:-20}   # corpus size
PANELS=${WRITEBACK_PANELS:-1}           # panels per dashboard (real dashboards are tens of KB)
UIDLESS=${WRITEBACK_UIDLESS:-0}         # 1: add a dashboard file without a uid (as the attack rig's corpus had)
GAP=${WRITEBACK_GAP:-0}                 # seconds between saves (5: the idle case)
SAME=${WRITEBACK_SAME_UID:-0}           # 1: every save edits the first dashboard (a user editing one dashboard)
KEEP=${WRITEBACK_KEEP:-}   # a directory: keep the per-save CSV and the logs there
JAR=gateway/target/grafana-ha-gateway.jar
[ -f "$JAR" ] || mvn -B -q -ntp package -DskipTests

BASE=${WRITEBACK_PORT_BASE:-18311}
A_PORT=$BASE; B_PORT=$((BASE + 1)); GW_PORT=$((BASE + 2)); ADMIN_PORT=$((BASE + 3)); GIT_PORT=$((BASE + 4))
GIVE_UP_MS=10000   # an edit not in Git (or not on the other backend) this long after its save counts as lost
W=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cp -r "$W"/. "$KEEP"/; fi
  rm -rf "$W"
}
trap cleanup EXIT

for port in $A_PORT $B_PORT $GW_PORT $ADMIN_PORT $GIT_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use; stop what listens there" >&2; exit 1; fi
done

now_ms() { date +%s%3N; }
TOOL_JVM="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"   # emulators are tools, not the thing measured


# The repository: 20 dashboards under shared/team-a/, on main, in a bare repository the git daemon serves.
BARE="$W/git/grafana-manifests.git"
git init -q --bare -b main "$BARE"
git clone -q "$BARE" "$W/seed" 2>/dev/null
mkdir -p "$W/seed/shared/team-a"
panels() {   # n: a JSON array of n timeseries panels
  local out="" i
  for i in $(seq 1 "$1"); do
    out+="${out:+,}{\"id\": $i, \"type\": \"timeseries\", \"title\": \"Requests $i\", \"gridPos\": {\"h\": 8, \"w\": 12, \"x\": 0, \"y\": $((i * 8))}, \"targets\": [{\"refId\": \"A\", \"expr\": \"sum(rate(http_requests_total{job=\\\"api\\\", code=~\\\"5..\\\"}[5m])) by (instance)\"}]}"
  done
  echo "[$out]"
}
PANEL_JSON=$(panels "$PANELS")
for n in $(seq -w 1 "$DASHBOARDS"); do
  cat > "$W/seed/shared/team-a/dash-$n.json" <<JSON
{
  "uid": "dash-$n",
  "title": "Dashboard $n",
  "tags": [],
  "schemaVersion": 39,
  "panels": $PANEL_JSON
}
JSON
done
if [ "$UIDLESS" = 1 ]; then
  printf '{\n  "title": "No uid here",\n  "schemaVersion": 39,\n  "panels": []\n}\n' > "$W/seed/shared/team-a/no-uid.json"
fi
git -C "$W/seed" add -A
git -C "$W/seed" -c user.name=bench -c user.email=bench@invalid commit -q -m "$DASHBOARDS dashboards"
git -C "$W/seed" push -q origin main
git daemon --export-all --enable=receive-pack --base-path="$W/git" --listen=127.0.0.1 --port=$GIT_PORT \
  --reuseaddr >"$W/git-daemon.log" 2>&1 &
pids+=($!)

start_emulator() {   # a|b port: a new emulator process (empty, as a Grafana that lost its data); sets EMU_PID
  java $TOOL_JVM -cp "$JAR" io.grafanaha.testkit.grafana.GrafanaEmulatorMain \
    --port "$2" --token "glsa_bench_$1" --name "grafana-$1" >>"$W/grafana-$1.log" 2>&1 &
  EMU_PID=$!
  pids+=($EMU_PID)
}
start_emulator a $A_PORT; A_PID=$EMU_PID
start_emulator b $B_PORT
bench_wait_url "http://127.0.0.1:$A_PORT/api/health" 30
bench_wait_url "http://127.0.0.1:$B_PORT/api/health" 30

cat > "$W/gateway.yaml" <<CONF
listen: 127.0.0.1:$GW_PORT
admin:
  listen: 127.0.0.1:$ADMIN_PORT
  token: bench-admin-token
mode: load-balance
backends:
  - name: grafana-a
    url: http://127.0.0.1:$A_PORT
    api-token: glsa_bench_a
  - name: grafana-b
    url: http://127.0.0.1:$B_PORT
    api-token: glsa_bench_b
health:
  interval: 500ms
  timeout: 1s
  rise: 2
  fall: 2
routing:
  sticky-cookie: gw
sync:
  repository: git://127.0.0.1:$GIT_PORT/grafana-manifests.git
  branch: main
  path: shared/
  write-back: true
  data-dir: $W/data
CONF
echo "== gateway configuration (sync.interval 60s and sync.poll-interval 10s at defaults)"
cat "$W/gateway.yaml"
echo
java -Xmx512m -jar "$JAR" run --config "$W/gateway.yaml" >"$W/gateway.log" 2>&1 &
pids+=($!)
bench_wait_url "http://127.0.0.1:$ADMIN_PORT/readyz" 30
deadline=$(( $(date +%s) + 60 ))
LAST_UID=dash-$(printf "%0${#DASHBOARDS}d" "$DASHBOARDS")
until curl -fsS -u admin:admin "http://127.0.0.1:$A_PORT/api/dashboards/uid/$LAST_UID" >/dev/null 2>&1 \
   && curl -fsS -u admin:admin "http://127.0.0.1:$B_PORT/api/dashboards/uid/$LAST_UID" >/dev/null 2>&1; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "the first sync pass did not reach both emulators" >&2; exit 1; }
  sleep 0.1
done
sleep 2   # let the first passes and the first polling round finish: measure steady state

echo "== $SAVES saves through the gateway, one at a time, alternating grafana-a / grafana-b"
printf '%-4s %-10s %-8s %8s %14s %18s\n' save backend uid post_ms save_to_git_ms save_to_other_ms
echo "save,backend,uid,title,post_ms,git_ms,other_ms,saved_at_ms" > "$W/saves.csv"
for i in $(seq 1 "$SAVES"); do
  if (( i % 2 )); then on=grafana-a; other=$B_PORT; else on=grafana-b; other=$A_PORT; fi
  (( i == 1 )) || sleep "$GAP"
  uid=$(printf "dash-%0${#DASHBOARDS}d" $(( SAME == 1 ? 1 : (i - 1) % DASHBOARDS + 1 )))
  title="$uid edit $i"
  current=$(curl -fsS -u admin:admin -H "Cookie: gw=$on" "http://127.0.0.1:$GW_PORT/api/dashboards/uid/$uid")
  body=$(jq -c --arg t "$title" '{dashboard: (.dashboard | .title = $t), folderUid: .meta.folderUid,
                                   overwrite: false, message: "bench"}' <<<"$current")
  start=$(now_ms)
  status=$(curl -sS -o "$W/post.out" -w '%{http_code}' -u admin:admin -H "Cookie: gw=$on" \
    -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$GW_PORT/api/dashboards/db")
  saved=$(now_ms)
  if [ "$status" != 200 ]; then echo "save $i on $on: HTTP $status $(cat "$W/post.out")" >&2; exit 1; fi
  git_ms=-1; other_ms=-1
  while (( git_ms < 0 || other_ms < 0 )); do
    t=$(( $(now_ms) - saved ))
    if (( git_ms < 0 )) && git --git-dir="$BARE" show "main:shared/team-a/$uid.json" 2>/dev/null | grep -qF "\"$title\""; then
      git_ms=$(( $(now_ms) - saved ))
    fi
    if (( other_ms < 0 )) && curl -fsS -u admin:admin "http://127.0.0.1:$other/api/dashboards/uid/$uid" 2>/dev/null \
        | grep -qF "\"$title\""; then
      other_ms=$(( $(now_ms) - saved ))
    fi
    (( t < GIVE_UP_MS )) || break
    sleep 0.005
  done
  printf '%-4s %-10s %-8s %8s %14s %18s\n' "$i" "$on" "$uid" $(( saved - start )) "$git_ms" "$other_ms"
  echo "$i,$on,$uid,$title,$(( saved - start )),$git_ms,$other_ms,$saved" >> "$W/saves.csv"
done

# Lost: a save whose title is not in the file on main at the end (each save edits a different dashboard
# when SAVES <= 20), nor on a gateway/conflicts/ branch.
lost=0
while IFS=, read -r i on uid title _; do
  [ "$i" = save ] && continue
  if git --git-dir="$BARE" log -p main -- "shared/team-a/$uid.json" | grep -F "\"$title\"" >/dev/null; then continue; fi
  if git --git-dir="$BARE" for-each-ref --format='%(refname)' refs/heads/gateway/conflicts/ | while read -r ref; do
       git --git-dir="$BARE" show "$ref:shared/team-a/$uid.json" 2>/dev/null; done | grep -F "\"$title\"" >/dev/null; then continue; fi
  lost=$(( lost + 1 ))
done < "$W/saves.csv"

# Where the time goes, from the gateway's log (same clock): save -> push done ("write-back committed", after
# journal fsync, read-back, commit and push), and push done -> the fan-out pass done on the other backend
# ("synced backend=... commit=<that commit>", after fetch, read of the head, plan and apply).
midnight_ms=$(( $(date -u -d "$(date -u +%F) 00:00" +%s) * 1000 ))
log_ms() { awk -v m="$midnight_ms" '{ split($1, t, /[:.]/); printf "%.0f\n", m + ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4]; exit }'; }
echo "save,pushed_ms,pass_ms" > "$W/where.csv"
while IFS=, read -r i on uid title post_ms git_ms other_ms saved; do
  [ "$i" = save ] && continue
  other_name=grafana-b; [ "$on" = grafana-b ] && other_name=grafana-a
  line=$(grep -F "Update dashboard \"$title\" from $on (" "$W/gateway.log" | tail -1 || true)
  if [ -z "$line" ]; then echo "$i,-1,-1" >> "$W/where.csv"; continue; fi
  sha=$(sed -E 's/.*\(([0-9a-f]+)\)$/\1/' <<<"$line")
  pushed=$(log_ms <<<"$line")
  synced=$(grep -E "synced backend=$other_name commit=$sha" "$W/gateway.log" | log_ms || true)
  echo "$i,$(( pushed - saved )),$([ -n "$synced" ] && echo $(( synced - pushed )) || echo -1)" >> "$W/where.csv"
done < "$W/saves.csv"

pct() {   # column percentile [file] -> value (nearest rank); -1 (never) sorts last
  awk -F, -v c="$1" 'NR > 1 { v = $c; if (v < 0) v = 1e9; print v }' "${3:-$W/saves.csv}" | sort -n \
    | awk -v p="$2" '{ a[NR] = $1 } END { r = int((p * NR + 99) / 100); if (r < 1) r = 1; v = a[r]; print (v >= 1e9 ? "never" : v) }'
}
echo
echo "== save -> in Git / visible on the other backend (ms; goal: p50 and p95 within 1000)"
printf '%-28s %6s %6s %6s %6s\n' "" p50 p90 p95 max
printf '%-28s %6s %6s %6s %6s\n' "POST through the gateway" "$(pct 5 50)" "$(pct 5 90)" "$(pct 5 95)" "$(pct 5 100)"
printf '%-28s %6s %6s %6s %6s\n' "save -> in Git (main)" "$(pct 6 50)" "$(pct 6 90)" "$(pct 6 95)" "$(pct 6 100)"
printf '%-28s %6s %6s %6s %6s\n' "save -> on the other backend" "$(pct 7 50)" "$(pct 7 90)" "$(pct 7 95)" "$(pct 7 100)"
printf '%-28s %6s %6s %6s %6s\n' "  save -> pushed (log)" "$(pct 2 50 "$W/where.csv")" "$(pct 2 90 "$W/where.csv")" "$(pct 2 95 "$W/where.csv")" "$(pct 2 100 "$W/where.csv")"
printf '%-28s %6s %6s %6s %6s\n' "  pushed -> other applied" "$(pct 3 50 "$W/where.csv")" "$(pct 3 90 "$W/where.csv")" "$(pct 3 95 "$W/where.csv")" "$(pct 3 100 "$W/where.csv")"
echo "lost edits: $lost of $SAVES"
echo "write-back commits: $(grep -c 'write-back committed' "$W/gateway.log" || true), conflicts: $(grep -c 'write-back conflict' "$W/gateway.log" || true)"

# ---- (a) + (b): LOAD_CONNECTIONS connections saving through the gateway for LOAD_SECONDS, the primary (grafana-a,
# which every connection is pinned to with the cookie) killed with kill -9 twice and started again empty; then
# every acknowledged save is looked for in Git (main, or a gateway/conflicts/ branch).
LOAD_SECONDS=${WRITEBACK_LOAD_SECONDS:-0}
LOAD_CONNECTIONS=${WRITEBACK_LOAD_CONNECTIONS:-200}
LOAD_PAUSE_MS=${WRITEBACK_LOAD_PAUSE_MS:-20000}   # each connection's pause between saves (people, not a flood)
LOAD_KILLS=${WRITEBACK_LOAD_KILLS:-2}             # 0: no kill, for the write-back's capacity (with pause 0)
(( LOAD_SECONDS > 0 )) || exit 0
set +o pipefail   # greps and heads below stop reading early on purpose
echo
echo "== $LOAD_CONNECTIONS connections saving through the gateway for $LOAD_SECONDS s (each pausing up to $LOAD_PAUSE_MS ms" \
  "between saves); kill -9 of grafana-a $LOAD_KILLS time(s), evenly spaced, started again empty 3 s later"
backlog() { curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^gateway_writeback_backlog/ { print int($2) }'; }
commits_so_far() { grep -c 'write-back committed' "$W/gateway.log" || true; }
c0=$(commits_so_far); t0=$(now_ms)
java -Xmx256m -cp "$JAR" bench/WritebackLoad.java "http://127.0.0.1:$GW_PORT" "$LOAD_CONNECTIONS" "$LOAD_SECONDS" \
  "$DASHBOARDS" "$W/acked.csv" grafana-a "$LOAD_PAUSE_MS" > "$W/load.out" 2>&1 &
load=$!
for (( k = 1; k <= LOAD_KILLS; k++ )); do
  sleep $(( LOAD_SECONDS / (LOAD_KILLS + 1) - 3 ))
  echo "kill -9 grafana-a (pid $A_PID) at +$(( ($(now_ms) - t0) / 1000 )) s, backlog $(backlog)"
  kill -9 "$A_PID"; wait "$A_PID" 2>/dev/null || true
  sleep 3
  start_emulator a $A_PORT; A_PID=$EMU_PID
done
wait $load
t_load_end=$(now_ms)
grep -F 'acknowledged saves' "$W/load.out"
c_load=$(( $(commits_so_far) - c0 ))
echo "backlog when the load stopped: $(backlog); write-back commits during the load: $c_load"
deadline=$(( $(date +%s) + 300 ))
until [ "$(backlog)" = 0 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "backlog not drained after 300 s" >&2; break; }
  sleep 0.5
done
t_drained=$(now_ms)
c_all=$(( $(commits_so_far) - c0 ))
git --git-dir="$BARE" log -p main -- shared/ | grep -o '\[c[0-9]*-n[0-9]*\]' | sort -u > "$W/on-main.txt"
git --git-dir="$BARE" log -p --all -- shared/ | grep -o '\[c[0-9]*-n[0-9]*\]' | sort -u > "$W/in-git.txt"
tail -n +2 "$W/acked.csv" | cut -d, -f2 | sort -u > "$W/acked.txt"
acked=$(wc -l < "$W/acked.txt")
missing=$(comm -23 "$W/acked.txt" "$W/in-git.txt" | wc -l)
conflict_only=$(comm -23 "$W/acked.txt" "$W/on-main.txt" | comm -12 - "$W/in-git.txt" | wc -l)
comm -23 "$W/acked.txt" "$W/in-git.txt" | head -20 > "$W/missing.txt"
span=$(( t_drained - t0 ))
echo "acknowledged saves: $acked; missing from Git at the end: $missing (goal 0); on a conflict branch only: $conflict_only"
[ "$missing" = 0 ] || { echo "first missing:"; cat "$W/missing.txt"; }
echo "write-back commits: $c_all in $(( span / 1000 )) s from the first save to an empty backlog" \
  "($(awk -v c="$c_all" -v s="$span" 'BEGIN { printf "%.1f", c * 1000 / s }') commits/s;" \
  "$(awk -v c="$c_load" -v s="$(( t_load_end - t0 ))" 'BEGIN { printf "%.1f", c * 1000 / s }') commits/s while saving)"
echo "drain after the load stopped: $(( (t_drained - t_load_end) / 1000 )) s"
echo "conflict branches: $(git --git-dir="$BARE" for-each-ref refs/heads/gateway/conflicts/ | wc -l)"
