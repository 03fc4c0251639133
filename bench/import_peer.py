#!/usr/bin/env python3
"""The Python peer of `citywatch import shodan`, for the import benchmark.

    bench/import_peer.py DB FILE

Replaces DB, creates citywatch's schema in it and imports the Shodan banners of FILE (one JSON
object per line) the way a straightforward Python importer would, doing the same work per
banner as citywatch: parse the JSON, map it to the observation columns (address as citywatch
encodes it: IPv4 as its integer value, IPv6 as a 16-byte blob; timestamp to Unix seconds; CPE,
hostname and tag lists joined; vulns and the other named values as JSON; the banner text as
the excerpt, cut to 2048), insert the observation with ON CONFLICT DO NOTHING and, when it was
new, upsert the service and the device. One transaction per 10,000 records; the connection
uses citywatch's pragmas (WAL, synchronous=NORMAL, temp_store=MEMORY).

The schema (every migration of db/migrations.cpp, in order) and the three statements
(db/store.cpp) are read from the citywatch sources at run time, so the peer stays in step with
them; when a statement's parameters change, the peer stops and says so rather than bind the
wrong values. Differences that only make the peer cheaper: no secret redaction or control-byte
escaping of text, no sorting of a transaction's records by key, and none of the stages the
import runs around storing (fingerprinting, geolocation, findings and risk scores): the
fingerprint columns stay empty, as they do in citywatch when no rule matches. Standard library
only.
"""

import hashlib
import ipaddress
import json
import os
import re
import sqlite3
import sys
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 10000
MAX_EXCERPT = 2048
MAX_FIELD = 1024
MAX_LIST = 32
MODULES = ("http", "ftp", "ssh", "telnet", "mqtt", "snmp", "rtsp", "upnp", "ssl", "vnc", "rdp",
           "ntp")
# Parameters of the three statements as rows() binds them; checked against db/store.cpp.
PARAMETERS = {"observations": 29, "services": 14, "devices": 12}
SECRET = re.compile(r"(^|[^a-z0-9]|_)(password|passwd|pass|pwd|secret|community|token|apikey|"
                    r"api_key|authorization)($|[^a-z0-9]|_)")


def raw_strings(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r'R"sql\((.*?)\)sql"', f.read(), re.S)


def schema_sql():
    """(latest version, SQL of every migration in order) from db/migrations.cpp: the entries
    {version, "description", kVn} of kMigrations, each naming a kVn = R"sql(...)sql" string."""
    with open(os.path.join(ROOT, "db", "migrations.cpp"), encoding="utf-8") as f:
        text = f.read()
    bodies = dict(re.findall(r'(kV\w+)\s*=\s*R"sql\((.*?)\)sql"', text, re.S))
    table = re.search(r"kMigrations\s*\{\{(.*?)\}\};", text, re.S)
    entry = r'\{\s*(\d+)\s*,\s*"[^"]*"\s*,\s*(kV\w+)\s*\}'
    steps = re.findall(entry, table.group(1)) if table else []
    if not steps or any(name not in bodies for _, name in steps):
        sys.exit("import_peer: cannot read the migrations (kMigrations, kV1, ...) of "
                 "db/migrations.cpp")
    steps.sort(key=lambda step: int(step[0]))
    return int(steps[-1][0]), "\n".join(bodies[name] for _, name in steps)


def ingest_sql():
    """The observation insert and the service and device upserts of db/store.cpp."""
    found = {}
    for sql in raw_strings(os.path.join(ROOT, "db", "store.cpp")):
        head = " ".join(sql.split()[:3])
        for table in ("observations", "services", "devices"):
            if head == "INSERT INTO " + table:
                found[table] = sql
    missing = [t for t in ("observations", "services", "devices") if t not in found]
    if missing:
        sys.exit("import_peer: cannot find the INSERT INTO %s statement in db/store.cpp"
                 % missing[0])
    for table, expected in PARAMETERS.items():
        sql = found[table]
        numbered = [int(n) for n in re.findall(r"\?(\d+)", sql)]
        count = max(numbered) if numbered else sql.count("?")
        if count != expected:
            sys.exit("import_peer: the INSERT INTO %s statement of db/store.cpp now takes %d "
                     "parameters, the peer binds %d: update rows() in bench/import_peer.py"
                     % (table, count, expected))
    return found["observations"], found["services"], found["devices"]


def clean(value):
    if not isinstance(value, str):
        return ""
    return value.strip()[:MAX_FIELD]


def string_list(banner, key, out):
    items = banner.get(key)
    if isinstance(items, list):
        for item in items:
            if len(out) >= MAX_LIST:
                break
            if isinstance(item, str) and item:
                out.append(clean(item))


def scalar_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "%f" % value
    return None


def add_field(fields, name, value):
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(fields) >= 96:
        return
    fields[name] = "[redacted]" if SECRET.search(name.lower()) else value[:MAX_FIELD]


def flatten(fields, prefix, obj, depth):
    if not isinstance(obj, dict):
        return
    for key, value in obj.items():
        name = prefix + "." + key
        text = scalar_text(value)
        if text is not None:
            add_field(fields, name, text)
        elif depth > 0 and isinstance(value, dict):
            flatten(fields, name, value, depth - 1)


def encode_ip(text):
    ip = ipaddress.ip_address(text)
    return int(ip) if ip.version == 4 else ip.packed


def unix_seconds(text):
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def asn_value(text):
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text[:2].upper() == "AS":
        text = text[2:]
    return int(text) if text.isdigit() and 0 < int(text) <= 0xFFFFFFFF else None


def coordinate(value, limit):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and -limit <= value <= limit:
        return float(value)
    return None


def banner_hash(excerpt):
    if not excerpt:
        return None
    digest = hashlib.blake2b(excerpt.encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def vulns_json(vulns):
    if not isinstance(vulns, dict) or not vulns:
        return None
    refs = [{"cve": clean(cve), "verified": isinstance(v, dict) and v.get("verified") is True}
            for cve, v in vulns.items()]
    return json.dumps(refs, separators=(",", ":"))


def rows(b, import_id):
    """(observation, service, device) parameters for one banner; ValueError, KeyError or
    TypeError when it lacks a usable address, port or timestamp (a rejected record)."""
    ip_text = b.get("ip_str") or b.get("ipv6")
    ip = encode_ip(ip_text) if ip_text else int(b["ip"])
    port = b["port"]
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError("bad port")
    transport = {"tcp": 6, "udp": 17}[b.get("transport") or "tcp"]
    observed_at = unix_seconds(b["timestamp"])

    cpes, hostnames, tags = [], [], []
    string_list(b, "cpe23", cpes)
    string_list(b, "cpe", cpes)
    string_list(b, "hostnames", hostnames)
    string_list(b, "tags", tags)
    module = clean((b.get("_shodan") or {}).get("module"))
    protocol = module.split("-", 1)[0].lower() or None
    loc = b.get("location") or {}
    data = b.get("data")
    excerpt = data[:MAX_EXCERPT] if isinstance(data, str) else ""
    fields = {}
    for key in ("os", "info", "title"):
        add_field(fields, key, b.get(key))
    for m in MODULES:
        if m in b:
            flatten(fields, m, b[m], 2 if m == "ssl" else 1)
    product = clean(b.get("product")) or None
    version = clean(b.get("version")) or None
    device_type = clean(b.get("devicetype")) or None
    org = clean(b.get("org")) or None
    asn = asn_value(b.get("asn"))
    first_cpe = cpes[0] if cpes else None

    observation = (
        ip, port, transport, observed_at, 1, 1, None, protocol, module or None,
        product, version, None, None, device_type, None,
        " ".join(cpes) or None, " ".join(hostnames) or None, ",".join(tags) or None,
        org, clean(b.get("isp")) or None, asn,
        clean(loc.get("country_code")) or None, clean(loc.get("city")) or None,
        coordinate(loc.get("latitude"), 90), coordinate(loc.get("longitude"), 180),
        vulns_json(b.get("vulns")), excerpt or None,
        json.dumps(fields, separators=(",", ":"), ensure_ascii=False) if fields else None,
        import_id)
    # No fingerprint: vendor, model and firmware as the feed states them (Shodan: none), no
    # rule, confidence 0.
    service = (ip, port, transport, protocol, product, version, first_cpe, banner_hash(excerpt),
               observed_at, None, None, device_type, None, None)
    device = (ip, observed_at, hostnames[0] if hostnames else None, asn, org, None, None,
              device_type, None, first_cpe, None, 0)
    return observation, service, device


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: import_peer.py DB FILE\n")
        return 2
    db_path, input_path = sys.argv[1], sys.argv[2]
    obs_sql, svc_sql, dev_sql = ingest_sql()
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(db_path + suffix)
        except FileNotFoundError:
            pass

    started = time.monotonic()
    db = sqlite3.connect(db_path, isolation_level=None)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;")
    version, schema = schema_sql()
    db.executescript("BEGIN;\n%s\nPRAGMA user_version = %d;\nCOMMIT;" % (schema, version))
    cur = db.cursor()
    cur.execute("INSERT INTO imports (source, path, pid, started_at, status) "
                "VALUES ('shodan', ?, ?, ?, 'running')",
                (input_path, os.getpid(), int(time.time())))
    import_id = cur.lastrowid

    read = inserted = duplicates = rejected = 0
    in_tx = 0
    cur.execute("BEGIN")
    with open(input_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            read += 1
            try:
                observation, service, device = rows(json.loads(line), import_id)
            except (ValueError, KeyError, TypeError, AttributeError):
                rejected += 1
                continue
            cur.execute(obs_sql, observation)
            if cur.rowcount > 0:
                inserted += 1
                cur.execute(svc_sql, service)
                cur.execute(dev_sql, device)
            else:
                duplicates += 1
            in_tx += 1
            if in_tx >= BATCH:
                cur.execute("COMMIT")
                cur.execute("BEGIN")
                in_tx = 0
    cur.execute("COMMIT")
    cur.execute("UPDATE imports SET status = 'done', finished_at = ?, records_read = ?, "
                "imported = ?, duplicates = ?, rejected = ? WHERE id = ?",
                (int(time.time()), read, inserted, duplicates, rejected, import_id))
    db.close()
    seconds = time.monotonic() - started
    print("python banners=%d rejected=%d seconds=%.3f banners_per_s=%.0f inserted=%d "
          "duplicates=%d" % (read, rejected, seconds, read / seconds if seconds > 0 else 0,
                             inserted, duplicates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
