#!/usr/bin/env python3
"""The peer for bench/api_bench.sh: the same reads (device list page, device detail with its
findings, findings page, aggregate summary, per-district counts) answered by Python's ThreadingHTTPServer + sqlite3 from the same database,
read-only, no authentication, no audit log. What a minimal service costs on this machine.
Usage: api_peer.py DB PORT"""
import json
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address

DB = sys.argv[1]
local = threading.local()


def conn():
    if not hasattr(local, "c"):
        local.c = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, check_same_thread=False)
    return local.c


def ip_text(v):
    return str(ip_address(v)) if isinstance(v, int) else str(ip_address(bytes(v)))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        c = conn()
        if self.path.startswith("/api/v1/devices/"):
            ip = int(ip_address(self.path.rsplit("/", 1)[1]))
            d = c.execute("SELECT ip, first_seen, last_seen, vendor, device_type, org, asn FROM devices WHERE ip = ?", (ip,)).fetchone()
            services = c.execute("SELECT port, transport, protocol, product FROM services WHERE ip = ?", (ip,)).fetchall()
            evidence = c.execute("SELECT observed_at, source, port, protocol, product, excerpt FROM observations WHERE ip = ? ORDER BY observed_at DESC LIMIT 20", (ip,)).fetchall()
            history = c.execute("SELECT observed_at / 86400, group_concat(DISTINCT source), count(*) FROM observations WHERE ip = ? GROUP BY 1 ORDER BY 1 DESC LIMIT 90", (ip,)).fetchall()
            findings = c.execute("SELECT id, port, kind, code, severity, status, sentence, evidence FROM findings WHERE ip = ? ORDER BY id DESC", (ip,)).fetchall()
            events = c.execute("SELECT e.finding_id, e.at, e.event, e.status FROM findings f JOIN finding_events e ON e.finding_id = f.id WHERE f.ip = ? ORDER BY e.id DESC LIMIT 200", (ip,)).fetchall()
            self.send({"device": [ip_text(d[0])] + list(d[1:]) if d else None, "services": services, "evidence": evidence, "history": history,
                       "findings": findings, "finding_history": events})
        elif self.path.startswith("/api/v1/findings"):
            rows = c.execute("SELECT f.id, f.ip, f.port, f.kind, f.code, f.severity, f.status, f.sentence, f.evidence, f.first_seen, f.last_seen, d.risk_score, d.district_code FROM findings f LEFT JOIN devices d ON d.ip = f.ip ORDER BY f.id DESC LIMIT 101").fetchall()
            self.send({"items": [[r[0], ip_text(r[1])] + list(r[2:]) for r in rows[:100]]})
        elif self.path.startswith("/api/v1/districts"):
            self.send({"districts": c.execute(
                "WITH w AS (SELECT ip, max(CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) AS level "
                "FROM findings WHERE status IN ('open', 'notified', 'reopened') GROUP BY ip) "
                "SELECT d.district_code, count(*), count(w.ip), total(w.level = 4), total(w.level = 3), total(w.level = 2) "
                "FROM devices d LEFT JOIN w ON w.ip = d.ip WHERE d.district_code IS NOT NULL GROUP BY 1").fetchall()})
        elif self.path.startswith("/api/v1/devices"):
            rows = c.execute("SELECT d.ip, d.first_seen, d.last_seen, d.vendor, d.device_type, d.org, d.asn, (SELECT count(*) FROM services s WHERE s.ip = d.ip) FROM devices d WHERE d.ip > -1 ORDER BY d.ip LIMIT 101").fetchall()
            self.send({"items": [[ip_text(r[0])] + list(r[1:]) for r in rows[:100]]})
        elif self.path.startswith("/api/v1/stats/summary"):
            self.send({
                "devices": c.execute("SELECT count(*) FROM devices").fetchone()[0],
                "services": c.execute("SELECT count(*) FROM services").fetchone()[0],
                "by_type": c.execute("SELECT coalesce(device_type, 'unknown'), count(*) FROM devices GROUP BY 1 ORDER BY 2 DESC LIMIT 20").fetchall(),
                "by_protocol": c.execute("SELECT coalesce(protocol, 'unknown'), count(*) FROM services GROUP BY 1 ORDER BY 2 DESC LIMIT 20").fetchall(),
            })
        else:
            self.send_error(404)


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
