#!/usr/bin/env python3
"""The measuring half of bench/sync.sh (which starts and stops the processes).

  sync_bench.py generate CORPUS WORKTREE COUNT [LIBRARY]   copy CORPUS into WORKTREE/shared/ until COUNT
                                                 dashboards; LIBRARY library panels in shared/library-panels/,
                                                 each used by one dashboard
  sync_bench.py alerting WORKTREE ROOT RULES GROUPS CONTACTS   alerting files into WORKTREE/shared/alerting/
  sync_bench.py datasources WORKTREE COUNT       COUNT data sources in WORKTREE/shared/datasources/bench.json
  sync_bench.py measure  SETTINGS.json           run the phases against a running gateway, print a JSON report
  sync_bench.py restart  SETTINGS.json           time the first pass of a restarted gateway (a JSON report)
  sync_bench.py summarise HEAP ALIVE RSS_KB OOM  < REPORT   the report for people

Copies keep the corpus' folders; copy k > 0 of a file gets "-k<k>" on its name, uid and title.
"""
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import time


def generate(corpus, worktree, count, library=0):
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs if f.endswith(".json"))
    out, seen, k = 0, set(), 0
    while out < count:
        for src in files:
            if out == count:
                break
            with open(src, encoding="utf-8") as fh:
                dash = json.load(fh)
            uid = dash["uid"] if k == 0 else dash["uid"][:36] + "-k" + str(k)
            if uid in seen:
                uid = hashlib.sha1(f"{src}:{k}".encode()).hexdigest()[:40]
            seen.add(uid)
            dash["uid"] = uid
            if k:
                dash["title"] = f'{dash.get("title", uid)} (copy {k})'
            rel = os.path.relpath(src, corpus)
            name = rel[:-5] + ("" if k == 0 else f"-k{k}") + ".json"
            dst = os.path.join(worktree, "shared", name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w", encoding="utf-8") as fh:
                json.dump(dash, fh, indent=2)
            out += 1
        k += 1
    print(f"{out} dashboards in {worktree}/shared")
    if library:
        add_library_panels(worktree, library)


def add_library_panels(worktree, n):
    """n library panels in the format sync reads, each added to one dashboard (the first n by path)."""
    os.makedirs(os.path.join(worktree, "shared", "library-panels"), exist_ok=True)
    dashboards = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(worktree, "shared"))
                        for f in fs if f.endswith(".json") and "library-panels" not in d)
    for i in range(n):
        uid = f"bench-lib-{i:04d}"
        panel = {"uid": uid, "name": f"Bench panel {i}", "kind": 1,
                 "model": {"type": "timeseries", "title": f"Bench panel {i}", "datasource": None, "targets": []}}
        with open(os.path.join(worktree, "shared", "library-panels", uid + ".json"), "w", encoding="utf-8") as fh:
            json.dump(panel, fh, indent=2)
        path = dashboards[i % len(dashboards)]
        with open(path, encoding="utf-8") as fh:
            dash = json.load(fh)
        dash.setdefault("panels", []).append({"id": 90000 + i, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 1000},
                                              "libraryPanel": {"uid": uid, "name": panel["name"]}})
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(dash, fh, indent=2)
    print(f"{n} library panels in {worktree}/shared/library-panels")


def alerting(worktree, root_title, rules, groups, contacts):
    """RULES alert rules in GROUPS groups in the root folder, CONTACTS webhook contact points whose password is
    ${BENCH_HOOK_PASSWORD}, and a policy tree routing to the first; JSON in Grafana's alerting file format."""
    out = os.path.join(worktree, "shared", "alerting")
    os.makedirs(out, exist_ok=True)
    per = max(1, rules // groups)
    for g in range(groups):
        group = {"orgId": 1, "name": f"bench-{g:03d}", "folder": root_title, "interval": "1m", "rules": []}
        for r in range(per):
            group["rules"].append({
                "uid": f"bench-{g:03d}-{r:03d}", "title": f"Bench rule {g}/{r}", "condition": "B",
                "data": [{"refId": "A", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": "prom",
                          "model": {"expr": f'rate(http_requests_total{{shard="{g}",n="{r}"}}[5m])', "refId": "A"}},
                         {"refId": "B", "relativeTimeRange": {"from": 0, "to": 0}, "datasourceUid": "__expr__",
                          "model": {"type": "threshold", "expression": "A", "refId": "B",
                                    "conditions": [{"evaluator": {"type": "gt", "params": [r]}}]}}],
                "noDataState": "NoData", "execErrState": "Error", "for": "5m",
                "labels": {"team": f"t{g % 5}"}, "annotations": {"summary": "bench"}, "isPaused": False})
        with open(os.path.join(out, f"rules-{g:03d}.json"), "w", encoding="utf-8") as fh:
            json.dump({"apiVersion": 1, "groups": [group]}, fh, indent=2)
    points = [{"orgId": 1, "name": f"bench-hook-{c:02d}", "receivers": [{
        "uid": f"bench-hook-{c:02d}", "type": "webhook",
        "settings": {"url": f"http://127.0.0.1:9/hook/{c}", "username": "bench",
                     "password": "${BENCH_HOOK_PASSWORD}"}}]} for c in range(contacts)]
    notifications = {"apiVersion": 1, "contactPoints": points}
    if points:
        notifications["policies"] = [{"orgId": 1, "receiver": points[0]["name"],
                                      "group_by": ["grafana_folder", "alertname"]}]
    with open(os.path.join(out, "notifications.json"), "w", encoding="utf-8") as fh:
        json.dump(notifications, fh, indent=2)
    print(f"{per * groups} alert rules in {groups} groups, {contacts} contact points in {out}")


def datasources(worktree, count):
    """COUNT Prometheus data sources (uid bench-ds-NN) in Grafana's provisioning format, no secrets."""
    out = os.path.join(worktree, "shared", "datasources")
    os.makedirs(out, exist_ok=True)
    sources = [{"name": f"Bench Prometheus {i:02d}", "type": "prometheus", "uid": f"bench-ds-{i:02d}",
                "access": "proxy", "url": f"http://127.0.0.1:9/prom-{i:02d}", "jsonData": {"httpMethod": "POST"}}
               for i in range(count)]
    with open(os.path.join(out, "bench.json"), "w", encoding="utf-8") as fh:
        json.dump({"apiVersion": 1, "datasources": sources}, fh, indent=2)
    print(f"{count} data sources in {out}")


# One change per resource kind the mixed repository holds: the file it edits, how, and where each instance shows it.
# Each entry: (file under the work tree, edit(json, marker) -> None, emulator path, seen(json, marker) -> bool).
def _lib_edit(doc, m):
    doc["model"]["description"] = m


def _rule_edit(doc, m):
    doc["groups"][0]["rules"][0]["title"] = m


def _contact_edit(doc, m):
    doc["contactPoints"][0]["receivers"][0]["settings"]["url"] = "http://127.0.0.1:9/hook/" + m


def _policy_edit(doc, m):
    doc["policies"][0]["group_by"] = ["grafana_folder", "alertname", m]


def _datasource_edit(doc, m):
    doc["datasources"][0]["url"] = "http://127.0.0.1:9/" + m


def _contact_seen(body, m):
    return any(c.get("uid") == "bench-hook-00" and c.get("settings", {}).get("url", "").endswith("/" + m)
               for c in (body or []))


KINDS = {
    "library panel": ("shared/library-panels/bench-lib-0000.json", _lib_edit, "/api/library-elements/bench-lib-0000",
                      lambda b, m: b["result"]["model"].get("description") == m),
    "alert rule group": ("shared/alerting/rules-000.json", _rule_edit, "/api/v1/provisioning/alert-rules/bench-000-000",
                         lambda b, m: b.get("title") == m),
    "contact point": ("shared/alerting/notifications.json", _contact_edit, "/api/v1/provisioning/contact-points",
                      _contact_seen),
    "policy": ("shared/alerting/notifications.json", _policy_edit, "/api/v1/provisioning/policies",
               lambda b, m: m in b.get("group_by", [])),
    "data source": ("shared/datasources/bench.json", _datasource_edit, "/api/datasources/uid/bench-ds-00",
                    lambda b, m: b.get("url", "").endswith("/" + m)),
}


def percentile(values, q):
    """The nearest-rank percentile (q in 0..1) of a non-empty list."""
    return sorted(values)[max(0, int(round(q * len(values))) - 1)]


class Http:
    """Keep-alive connections per port: polling must not pay for a TCP handshake each time."""

    def __init__(self):
        self.conns = {}

    def call(self, port, method, path, body=None, headers=None):
        for attempt in (1, 2):
            conn = self.conns.get(port)
            if conn is None:
                conn = self.conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers or {})
                res = conn.getresponse()
                data = res.read()
                return res.status, data
            except (http.client.HTTPException, OSError):
                conn.close()
                self.conns.pop(port, None)
                if attempt == 2:
                    raise

    def json(self, port, path, headers=None):
        status, data = self.call(port, "GET", path, headers=headers)
        return status, json.loads(data) if data else None


class Bench:
    def __init__(self, s):
        self.s = s
        self.http = Http()
        self.git_dir = s["worktree"]

    # ---- observation
    def status(self):
        return self.http.json(self.s["admin_port"], "/api/status")[1]

    def passes(self):
        return self.status()["git"]["passes"]

    def writes(self):
        """POST /api/dashboards/db per emulator."""
        out = {}
        for name, port in self.s["emulators"].items():
            counts = self.http.json(port, "/_emulator/requests")[1]
            out[name] = counts["byPath"].get("/api/dashboards/db", 0)
        return out

    def requests(self):
        return {name: self.http.json(port, "/_emulator/requests")[1]["total"]
                for name, port in self.s["emulators"].items()}

    def all_fresh_at_head(self, commit=None):
        st = self.status()
        head = st["git"]["head"]
        if commit and head != commit:
            return False
        bs = st["backends"]
        return head is not None and all(b["sync"]["appliedCommit"] == head and b["sync"]["fresh"] for b in bs)

    # ---- actions
    def git(self, *args):
        subprocess.run(["git", "-C", self.git_dir, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def change_title(self, n):
        path = os.path.join(self.git_dir, self.s["change_file"])
        with open(path, encoding="utf-8") as fh:
            dash = json.load(fh)
        dash["title"] = f"bench change {n}"
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(dash, fh, indent=2)
        self.git("commit", "-q", "-am", f"bench: change {n}")
        self.git("push", "-q", "origin", "HEAD:main")
        head = subprocess.run(["git", "-C", self.git_dir, "rev-parse", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()
        return dash["uid"], dash["title"], head

    def admin_sync_and_wait(self, head=None):
        """POST /api/sync; done when a later pass finished (and, given a commit, both backends hold it)."""
        before = self.passes()
        t0 = time.monotonic()
        status, _ = self.http.call(self.s["admin_port"], "POST", "/api/sync",
                                   headers={"Authorization": "Bearer " + self.s["admin_token"]})
        assert status == 202, status
        while self.passes() <= before or (head and not self.all_fresh_at_head(head)):
            if time.monotonic() - t0 > 120:
                raise TimeoutError("no pass finished within 120 s of POST /api/sync")
            time.sleep(0.005)
        return time.monotonic() - t0

    def webhook(self):
        body = json.dumps({"ref": "refs/heads/main", "after": "0" * 40}).encode()
        # Signed in-process (microseconds): starting openssl here put a process start inside every timed push.
        sig = hmac.new(self.s["webhook_secret"].encode(), body, hashlib.sha256).hexdigest()
        status, data = self.http.call(self.s["listen_port"], "POST", "/_gateway/webhook", body=body, headers={
            "Content-Type": "application/json", "X-GitHub-Event": "push",
            "X-Hub-Signature-256": "sha256=" + sig})
        assert status // 100 == 2, (status, data)

    def visible_everywhere(self, uid, title, timeout=60):
        pending = dict(self.s["emulators"])
        deadline = time.monotonic() + timeout
        auth = {"Authorization": "Bearer " + self.s["grafana_token"]}
        while pending:
            for name, port in list(pending.items()):
                status, d = self.http.json(port, f"/api/dashboards/uid/{uid}", headers=auth)
                if status == 200 and d["dashboard"]["title"] == title:
                    del pending[name]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{uid} not visible on {list(pending)}")
            if pending:
                time.sleep(0.002)

    def change_kind(self, kind, n):
        """One commit changing this kind's file in KINDS, pushed; returns the marker the instances must show."""
        rel, edit, _, _ = KINDS[kind]
        path = os.path.join(self.git_dir, rel)
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        marker = f"bench-{kind.replace(' ', '-')}-{n}"
        edit(doc, marker)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
        self.git("commit", "-q", "-am", f"bench: {kind} change {n}")
        self.git("push", "-q", "origin", "HEAD:main")
        return marker

    def kind_visible_everywhere(self, kind, marker, timeout=60):
        _, _, path, seen = KINDS[kind]
        pending = dict(self.s["emulators"])
        deadline = time.monotonic() + timeout
        auth = {"Authorization": "Bearer " + self.s["grafana_token"]}
        while pending:
            for name, port in list(pending.items()):
                status, body = self.http.json(port, path, headers=auth)
                if status == 200 and seen(body, marker):
                    del pending[name]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{kind} change {marker} not visible on {list(pending)}")
            if pending:
                time.sleep(0.002)

    def push_kind(self, kind, n):
        """Webhook push to visible on both, in seconds, for one change of a kind other than dashboards."""
        self.wait_idle()
        marker = self.change_kind(kind, n)
        t0 = time.monotonic()
        self.webhook()
        self.kind_visible_everywhere(kind, marker)
        return time.monotonic() - t0

    def wait_idle(self):
        """No pass running: the pass counter is stable for a while and every backend holds the head."""
        start = time.monotonic()
        last, stable_since = self.passes(), start
        while time.monotonic() - stable_since < 0.5 or not self.all_fresh_at_head():
            if time.monotonic() - start > 120:
                raise TimeoutError("the backends did not settle at the head within 120 s")
            time.sleep(0.05)
            now = self.passes()
            if now != last:
                last, stable_since = now, time.monotonic()

    def run(self):
        s, report = self.s, {}
        # first pass: from process launch (bench/sync.sh records it) until both backends hold the head
        while True:
            try:
                if "ready_s" not in report and self.http.call(s["admin_port"], "GET", "/healthz")[0] == 200:
                    report["ready_s"] = time.time() - s["launched_at"]
            except (OSError, http.client.HTTPException):
                pass
            try:
                if self.all_fresh_at_head():
                    break
            except (OSError, http.client.HTTPException, KeyError, TypeError):
                pass
            if time.time() - s["launched_at"] > 300:
                raise TimeoutError("the first pass did not finish within 300 s")
            time.sleep(0.02)
        report["first_pass_s"] = time.time() - s["launched_at"]
        report["first_pass_writes"] = self.writes()
        self.wait_idle()

        runs, deltas = [], []
        for _ in range(s["idle_runs"]):
            w0 = self.writes()
            runs.append(self.admin_sync_and_wait())
            w1 = self.writes()
            deltas.append({k: w1[k] - w0[k] for k in w1})
        report["no_change_pass_s"] = runs
        report["no_change_writes"] = deltas

        runs, deltas = [], []
        for i in range(s["change_runs"]):
            self.wait_idle()
            _, _, head = self.change_title(f"admin-{i}")
            w0 = self.writes()
            runs.append(self.admin_sync_and_wait(head))
            w1 = self.writes()
            deltas.append({k: w1[k] - w0[k] for k in w1})
            self.wait_idle()
        report["one_change_pass_s"] = runs
        report["one_change_writes"] = deltas

        lat = []
        w0 = self.writes()
        for i in range(s["pushes"]):
            self.wait_idle()
            uid, title, _ = self.change_title(f"push-{i}")
            t0 = time.monotonic()
            self.webhook()
            self.visible_everywhere(uid, title)
            lat.append(time.monotonic() - t0)
        w1 = self.writes()
        report["push_visible_s"] = lat
        report["push_writes"] = {k: w1[k] - w0[k] for k in w1}
        report["push_p50_s"] = statistics.median(lat)
        report["push_p95_s"] = percentile(lat, 0.95)
        by_kind = {"dashboard": lat}
        for kind in s.get("kinds", []):
            by_kind[kind] = [self.push_kind(kind, i) for i in range(s["kind_pushes"])]
        report["push_visible_by_kind_s"] = by_kind
        self.wait_idle()
        report["all_fresh_at_end"] = self.all_fresh_at_head()
        report["dashboards"] = {b["name"]: b["sync"]["dashboards"] for b in self.status()["backends"]}
        return report


def restart(bench):
    """A new gateway process against backends that already hold everything: it knows no versions yet."""
    s, w0 = bench.s, bench.writes()
    while True:
        try:
            if bench.passes() >= 1:
                break
        except (OSError, http.client.HTTPException, KeyError, TypeError):
            pass
        if time.time() - s["launched_at"] > 300:
            raise TimeoutError("no pass within 300 s of the restart")
        time.sleep(0.02)
    took = time.time() - s["launched_at"]
    w1 = bench.writes()
    return {"restart_pass_s": took, "restart_writes": {k: w1[k] - w0[k] for k in w1},
            "restart_all_fresh": bench.all_fresh_at_head()}


def summarise(report, heap, alive, rss_kb, oom):
    r, med = report, statistics.median
    lat = r["push_visible_s"]
    return "\n".join([
        f"gateway heap: {heap or 'JVM default'}   alive at end (first process/restarted): {alive}   OutOfMemoryError lines: {oom}"
        f"   peak RSS (larger of the two): {int(rss_kb) // 1024} MiB",
        f"dashboards held: {r['dashboards']}   all fresh at end: {r['all_fresh_at_end']}",
        f"first pass (launch to both fresh): {r['first_pass_s']:.2f} s, of which JVM start to /healthz"
        f" {r.get('ready_s', 0):.2f} s   writes {r['first_pass_writes']}",
        f"no-change pass: median {med(r['no_change_pass_s']):.3f} s   runs "
        f"{[round(x, 3) for x in r['no_change_pass_s']]}   writes {r['no_change_writes']}",
        f"one-change pass: median {med(r['one_change_pass_s']):.3f} s   runs "
        f"{[round(x, 3) for x in r['one_change_pass_s']]}   writes {r['one_change_writes']}",
        f"webhook push to visible on both ({len(lat)} pushes): p50 {r['push_p50_s'] * 1000:.0f} ms"
        f"   p95 {r['push_p95_s'] * 1000:.0f} ms   max {max(lat) * 1000:.0f} ms   writes {r['push_writes']}",
    ] + [f"  {kind:16s} push to visible on both ({len(v)} pushes): p50 {med(v) * 1000:.0f} ms"
         f"   p95 {percentile(v, 0.95) * 1000:.0f} ms   max {max(v) * 1000:.0f} ms"
         for kind, v in r.get("push_visible_by_kind_s", {}).items()
    ] + ([f"restarted gateway, first pass against full backends (launch to done): {r['restart_pass_s']:.2f} s"
          f"   writes {r['restart_writes']}   all fresh: {r['restart_all_fresh']}"] if "restart_pass_s" in r else []))


def main():
    if sys.argv[1] == "summarise":
        print(summarise(json.loads(sys.stdin.read()), *sys.argv[2:6]))
    elif sys.argv[1] == "generate":
        generate(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    elif sys.argv[1] == "datasources":
        datasources(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "alerting":
        alerting(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    elif sys.argv[1] in ("measure", "restart"):
        with open(sys.argv[2], encoding="utf-8") as fh:
            settings = json.load(fh)
        bench = Bench(settings)
        print(json.dumps(bench.run() if sys.argv[1] == "measure" else restart(bench)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
