#!/usr/bin/env python3
"""Writes the bundled demo inputs: synthetic feed files for a made-up week in The Hague.

Every address is in a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32), so no real person's device appears; a demo prefix map places these ranges in
The Hague's districts. Banners are written by us in the style of what such devices send.
Run from anywhere: python3 data/demo/generate.py   (deterministic; rewrites the files here)
"""
import csv
import io
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(518)  # GM0518

# (share, port, transport, module, product, versions, devicetype, cpe23 template, banner)
PROFILES = [
    (14, 80, "tcp", "http", "Hikvision IP Camera", ["V5.4.5", "V5.5.0", "V5.4.0"], "webcam",
     "cpe:2.3:o:hikvision:ip_camera_firmware:{v}",
     "HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Type: text/html\r\n\r\n"),
    (8, 554, "tcp", "rtsp-tcp", "Dahua IP Camera", ["2.800.0000000.29.R"], "webcam",
     "cpe:2.3:o:dahuasecurity:ipc-hx3xxx_firmware:{v}",
     "RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"Login to 4L0A3B1PAZ\", nonce=\"a1b2\"\r\n\r\n"),
    (7, 80, "tcp", "http", "uc-httpd", ["1.0.0"], "DVR", "",
     "HTTP/1.0 200 OK\r\nContent-type: text/html\r\nServer: uc-httpd 1.0.0\r\n\r\n"),
    (9, 23, "tcp", "telnet", "BusyBox telnetd", ["1.19.4", "1.20.2"], "",
     "cpe:2.3:a:busybox:busybox:{v}",
     "\xff\xfb\x01\xff\xfb\x03\r\n(none) login: "),
    (8, 21, "tcp", "ftp", "MikroTik router ftpd", ["6.42", "6.45.9", "6.49.10"], "router",
     "cpe:2.3:o:mikrotik:routeros:{v}",
     "220 MikroTik FTP server (MikroTik {v}) ready\r\n"),
    (7, 1883, "tcp", "mqtt", "Mosquitto", ["1.4.15", "1.6.9", "2.0.11"], "",
     "cpe:2.3:a:eclipse:mosquitto:{v}",
     "MQTT Connection Code: 0\n\nTopics:\n  home/boiler/temperature\n  zigbee2mqtt/bridge/state\n"),
    (6, 443, "tcp", "https", "TP-Link Archer AX21", ["1.1.2", "1.1.4"], "router",
     "cpe:2.3:o:tp-link:archer_ax21_firmware:{v}",
     "HTTP/1.1 200 OK\r\nServer: lighttpd/1.4.45\r\nContent-Type: text/html\r\n\r\n"),
    (5, 502, "tcp", "modbus", "Modbus", [""], "PLC", "",
     "Unit ID: 1\n-- Device Identification: Schneider Electric BMX P34 2020 v2.6\n"),
    (4, 47808, "udp", "bacnet", "BACnet", [""], "building controller", "",
     "Instance ID: 10001\nVendor Name: Siemens Building Technologies\nModel Name: PXC Compact\n"),
    (4, 80, "tcp", "http", "SMA Sunny Boy", ["3.10.18.R"], "solar inverter", "",
     "HTTP/1.1 200 OK\r\nServer: SMA\r\nContent-Type: text/html\r\n\r\n<title>SMA Sunny Boy</title>"),
    (5, 22, "tcp", "ssh", "Dropbear sshd", ["2014.63", "2019.78"], "",
     "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:{v}", "SSH-2.0-dropbear_{v}\r\n"),
    (4, 5000, "tcp", "http", "Synology DiskStation", ["6.2.3"], "NAS", "",
     "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n\r\n<title>Synology DiskStation</title>"),
    (4, 9100, "tcp", "jetdirect", "HP LaserJet", [""], "printer", "",
     "@PJL INFO STATUS\r\nCODE=10001\r\nDISPLAY=\"Ready\"\r\n"),
    (3, 5900, "tcp", "vnc", "VNC", ["3.8"], "", "", "RFB 003.008\n"),
    (3, 1911, "tcp", "fox", "Niagara Fox", ["4.4.73.24"], "building controller", "",
     "fox a 1 -1 fox hello\n{\nfox.version=s:1.0.1\nbrandId=s:Vykon\n};;\n"),
]
RANGES = ["192.0.2.{}", "198.51.100.{}", "203.0.113.{}"]
ORGS = [("AS64496", "Demo Telecom NL", "Demo Telecom"), ("AS64497", "Demo Cable BV", "Demo Cable"),
        ("AS64498", "Demo Fibre Haaglanden", "Demo Fibre")]
DAYS = ["2026-11-{:02d}".format(d) for d in range(16, 23)]


def weighted_profile():
    total = sum(p[0] for p in PROFILES)
    pick = rng.uniform(0, total)
    for p in PROFILES:
        pick -= p[0]
        if pick <= 0:
            return p
    return PROFILES[-1]


def addresses():
    pool = [r.format(i) for r in RANGES for i in range(1, 255)]
    rng.shuffle(pool)
    pool = pool[:300]
    pool += ["2001:db8:4a0:{:x}::{:x}".format(rng.randrange(1, 200), rng.randrange(1, 4000))
             for _ in range(20)]
    return pool


def shodan_banner(ip, profile, day, org):
    _, port, transport, module, product, versions, devicetype, cpe, banner = profile
    version = rng.choice(versions)
    stamp = "{}T{:02d}:{:02d}:{:02d}.{:06d}".format(day, rng.randrange(24), rng.randrange(60),
                                                    rng.randrange(60), rng.randrange(10**6))
    record = {
        "ip_str": ip, "port": port, "transport": transport, "timestamp": stamp,
        "product": product, "hostnames": [], "org": org[1], "isp": org[2], "asn": org[0],
        "location": {"city": "The Hague", "country_code": "NL", "latitude": 52.0705,
                     "longitude": 4.3007},
        "_shodan": {"module": module, "id": "demo-{:08x}".format(rng.getrandbits(32))},
        "data": banner.replace("{v}", version), "tags": ["demo"],
    }
    if version:
        record["version"] = version
    if devicetype:
        record["devicetype"] = devicetype
    if cpe:
        record["cpe23"] = [cpe.replace("{v}", version)]
    if module.startswith("http"):
        record["http"] = {"server": banner.split("Server: ")[1].split("\r\n")[0]
                          if "Server: " in banner else None, "title": None}
    return record


def main():
    hosts = [(ip, weighted_profile(), rng.choice(ORGS)) for ip in addresses()]
    lines = []
    for ip, profile, org in hosts:
        # Each device is seen on one to four days of the week, as a weekly crawl would.
        for day in sorted(rng.sample(DAYS, rng.randrange(1, 5))):
            lines.append(json.dumps(shodan_banner(ip, profile, day, org)))
    with open(os.path.join(HERE, "shodan-hague-demo.jsonl"), "w") as out:
        out.write("\n".join(lines) + "\n")

    # Shadowserver: the MQTT brokers and telnet devices of the same week, as their reports
    # list them (columns as in the published scan_mqtt_anon and scan_telnet schemas).
    def report(name, header, rows):
        buf = io.StringIO()
        w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        with open(os.path.join(HERE, name), "w") as out:
            out.write(buf.getvalue())

    mqtt = [(ip, org) for ip, p, org in hosts if p[3] == "mqtt"]
    report("2026-11-20-scan_mqtt_anon-demo-nl.csv",
           ["timestamp", "ip", "protocol", "port", "hostname", "tag", "asn", "geo", "region",
            "city", "naics", "sic", "raw_response", "hex_code", "code", "sector"],
           [["2026-11-20 03:{:02d}:{:02d}".format(rng.randrange(60), rng.randrange(60)), ip,
             "tcp", 1883, "", "mqtt,mqtt-anon", int(org[0][2:]), "NL", "ZUID-HOLLAND",
             "DEN HAAG", 517311, 0, "20020000", "00", "Connection Accepted", ""]
            for ip, org in mqtt if ":" not in ip])
    telnet = [(ip, org) for ip, p, org in hosts if p[3] == "telnet"]
    report("2026-11-21-scan_telnet-demo-nl.csv",
           ["timestamp", "ip", "protocol", "port", "hostname", "tag", "asn", "geo", "region",
            "city", "naics", "sic", "banner"],
           [["2026-11-21 04:{:02d}:{:02d}".format(rng.randrange(60), rng.randrange(60)), ip,
             "tcp", 23, "", "telnet", int(org[0][2:]), "NL", "ZUID-HOLLAND", "DEN HAAG", 517311,
             0, "|BusyBox v1.19.4 (2017-03-09 11:23:41 CST) built-in shell|(none) login:"]
            for ip, org in telnet if ":" not in ip])
    infected = rng.sample([ip for ip, p, o in hosts if p[3] == "telnet" and ":" not in ip], 4)
    report("2026-11-22-event4_honeypot_darknet-demo-nl.csv",
           ["timestamp", "protocol", "src_ip", "src_port", "src_asn", "src_geo", "src_region",
            "src_city", "src_hostname", "src_naics", "src_sector", "device_vendor",
            "device_type", "device_model", "dst_ip", "dst_port", "dst_asn", "dst_geo",
            "dst_region", "dst_city", "dst_hostname", "dst_naics", "dst_sector",
            "public_source", "infection", "family", "tag", "application", "version",
            "event_id", "count"],
           [["2026-11-22 00:00:00", "tcp", ip, rng.randrange(1024, 65535), 64496, "NL",
             "ZUID-HOLLAND", "DEN HAAG", "", 517311, "", "", "", "", "", 23, "", "", "", "", "",
             "", "", "", "mirai", "mirai", "mirai", "", "", "", rng.randrange(5, 900)]
            for ip in infected])

    # nmap: the city's own scan of its building-management range.
    scan_hosts = [(ip, p) for ip, p, o in hosts if p[6] in ("building controller", "PLC")]
    xml = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<nmaprun scanner="nmap" args="nmap -sV -oX demo.xml" start="1795309200" '
           'version="7.93" xmloutputversion="1.05">']
    for ip, p in scan_hosts:
        kind = "ipv6" if ":" in ip else "ipv4"
        xml.append('<host starttime="1795309200" endtime="1795309320"><status state="up"/>'
                   '<address addr="{}" addrtype="{}"/><hostnames/><ports>'.format(ip, kind))
        xml.append('<port protocol="{}" portid="{}"><state state="open" reason="syn-ack"/>'
                   '<service name="{}" product="{}" method="probed" conf="10"/></port>'
                   .format(p[2], p[1], p[3], p[4]))
        xml.append('</ports></host>')
    xml.append('<runstats><finished time="1795309400" exit="success"/></runstats></nmaprun>')
    with open(os.path.join(HERE, "nmap-city-bms-demo.xml"), "w") as out:
        out.write("\n".join(xml) + "\n")


if __name__ == "__main__":
    main()
