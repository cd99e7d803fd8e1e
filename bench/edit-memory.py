#!/usr/bin/env python3
"""Memory held by half-sent dashboard saves: starts the demo (emulators, sync with write-back, gateway) from
the jar, opens 20 connections that each send all but the last byte of a 10 MB POST /api/dashboards/db (a
watched path), and prints the gateway process's RSS before and after, and what each connection was answered.
Usage: bench/edit-memory.py [jar] [port] [admin-port]   (defaults: gateway/target/grafana-ha-gateway.jar 18411 18412)
"""
import socket, sys, time, subprocess, tempfile
from collections import Counter
jar = sys.argv[1] if len(sys.argv) > 1 else 'gateway/target/grafana-ha-gateway.jar'
port = int(sys.argv[2]) if len(sys.argv) > 2 else 18411
admin = int(sys.argv[3]) if len(sys.argv) > 3 else 18412
log = tempfile.TemporaryFile()
p = subprocess.Popen(['java', '-Xmx512m', '-jar', jar, 'demo', '--port', str(port), '--admin-port', str(admin)], stdout=log, stderr=log)
def rss():
    for l in open('/proc/%d/status' % p.pid):
        if l.startswith('VmRSS'): return int(l.split()[1]) // 1024
try:
    for _ in range(120):
        try:
            s = socket.create_connection(('127.0.0.1', port), 1); s.close(); break
        except OSError: time.sleep(0.5)
    time.sleep(8)
    base = rss()
    N, L = 20, 10_000_000
    socks = []
    chunk = b'x' * 65536
    for i in range(N):
        s = socket.create_connection(('127.0.0.1', port))
        s.sendall(b'POST /api/dashboards/db HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' % L)
        s.settimeout(0.05)
        socks.append(s)
    # send all but the last byte on each, round robin, ignoring refusals
    sent = [0]*N; dead = [False]*N; answers = {}
    deadline = time.time() + 60
    while time.time() < deadline and any(not dead[i] and sent[i] < L-1 for i in range(N)):
        for i, s in enumerate(socks):
            if dead[i] or sent[i] >= L-1: continue
            n = min(len(chunk), L-1-sent[i])
            try:
                sent[i] += s.send(chunk[:n])
            except socket.timeout:
                pass
            except OSError:
                dead[i] = True
    time.sleep(3)
    peak = rss()
    statuses = []
    for s in socks:
        try:
            s.settimeout(0.5); d = s.recv(200); statuses.append(d.split(b'\r\n')[0].decode() if d else 'closed')
        except Exception as e: statuses.append('no answer')
    print('jar=%s baseline_rss_mb=%d rss_with_%d_half_sent_10MB_saves_mb=%d' % (jar, base, N, peak))
    print(Counter(statuses))
finally:
    p.terminate(); p.wait()
