#!/usr/bin/env python3
"""Synthetic Shodan stream banners (NDJSON) with an IoT mix, for the import benchmark.

    bench/gen_shodan.py N SEED > banners.jsonl

Writes N banner records, one JSON object per line, shaped like `shodan stream` / `shodan
download` output: ip, ip_str, port, transport, timestamp (ISO, microseconds), hash, data,
product, version, cpe, cpe23, devicetype, info, tags, vulns, hostnames, domains, org, isp, asn,
location{...}, _shodan{module, id, crawler, ...}, opts, and the module objects (http, ssh,
mqtt, telnet) where the real stream has them.

The mix: IP cameras (Hikvision, Dahua, Axis), DVR/NVR web servers (XiongMai uc-httpd, Boa,
JAWS, Cross Web Server), routers (MikroTik, ZyXEL, TP-Link), mosquitto MQTT brokers, BusyBox
telnet prompts and OpenSSH/dropbear servers. A host has one to four services; addresses are
IPv4 in public-looking /12 blocks assigned to about 25 ISPs. The stream covers 14 days in
time order; about a third of the ip:port pairs are seen again on a later day (same device,
new Date headers, now and then a firmware upgrade). Output depends only on N and SEED.
A summary goes to stderr. Python 3 standard library only.
"""

import array
import json
import random
import sys
import zlib
from datetime import datetime, timezone
from email.utils import formatdate

START = int(datetime(2024, 5, 1, tzinfo=timezone.utc).timestamp())
DAYS = 14
DAY = 86400
# Share of records that are a later sighting of an earlier ip:port (after the first day):
# tuned so that about one pair in three recurs.
REPEAT_SHARE = 0.27

# (org, isp, asn, country_code, country_name, reverse-DNS domain, cities (name, region, lat, lon))
ISPS = [
    ("KPN B.V.", "KPN B.V.", "AS1136", "NL", "Netherlands", "dynamic.kpn.net",
     [("The Hague", "ZH", 52.0767, 4.2986), ("Amsterdam", "NH", 52.3740, 4.8897),
      ("Rotterdam", "ZH", 51.9225, 4.4792), ("Utrecht", "UT", 52.0908, 5.1222)]),
    ("Ziggo B.V.", "Vodafone Libertel B.V.", "AS33915", "NL", "Netherlands",
     "cable.dynamic.v4.ziggo.nl",
     [("Leiden", "ZH", 52.1601, 4.4970), ("Delft", "ZH", 52.0116, 4.3571),
      ("Eindhoven", "NB", 51.4416, 5.4697)]),
    ("T-Mobile Thuis", "T-Mobile Netherlands bv.", "AS50266", "NL", "Netherlands", "fixed.kpn.net",
     [("Zoetermeer", "ZH", 52.0575, 4.4931), ("Haarlem", "NH", 52.3874, 4.6462)]),
    ("Deutsche Telekom AG", "Deutsche Telekom AG", "AS3320", "DE", "Germany", "dip0.t-ipconnect.de",
     [("Berlin", "BE", 52.5244, 13.4105), ("Munich", "BY", 48.1374, 11.5755),
      ("Hamburg", "HH", 53.5753, 10.0153), ("Cologne", "NW", 50.9333, 6.95)]),
    ("Vodafone GmbH", "Vodafone GmbH", "AS3209", "DE", "Germany", "dyn.vodafone-ip.de",
     [("Frankfurt am Main", "HE", 50.1155, 8.6842), ("Dusseldorf", "NW", 51.2217, 6.7762)]),
    ("Orange S.A.", "Orange", "AS3215", "FR", "France", "abo.wanadoo.fr",
     [("Paris", "IDF", 48.8534, 2.3488), ("Lyon", "ARA", 45.7485, 4.8467),
      ("Marseille", "PAC", 43.2970, 5.3811)]),
    ("Telecom Italia", "Telecom Italia", "AS3269", "IT", "Italy", "retail.telecomitalia.it",
     [("Rome", "62", 41.8919, 12.5113), ("Milan", "25", 45.4643, 9.1895)]),
    ("Telefonica de Espana", "Telefonica de Espana", "AS3352", "ES", "Spain",
     "dynamicip.rima-tde.net",
     [("Madrid", "MD", 40.4165, -3.7026), ("Barcelona", "CT", 41.3888, 2.1590)]),
    ("Comcast Cable Communications, LLC", "Comcast Cable Communications, LLC", "AS7922", "US",
     "United States", "hsd1.ca.comcast.net",
     [("San Jose", "CA", 37.3394, -121.8950), ("Chicago", "IL", 41.8500, -87.6500),
      ("Philadelphia", "PA", 39.9524, -75.1636)]),
    ("Charter Communications", "Charter Communications Inc", "AS20115", "US", "United States",
     "res.spectrum.com",
     [("St Louis", "MO", 38.6273, -90.1979), ("Austin", "TX", 30.2672, -97.7431)]),
    ("AT&T Services, Inc.", "AT&T Corp.", "AS7018", "US", "United States",
     "lightspeed.sntcca.sbcglobal.net",
     [("Dallas", "TX", 32.7831, -96.8067), ("Atlanta", "GA", 33.7490, -84.3880)]),
    ("Chinanet", "China Telecom", "AS4134", "CN", "China", None,
     [("Beijing", "BJ", 39.9075, 116.3972), ("Shanghai", "SH", 31.2222, 121.4581),
      ("Guangzhou", "GD", 23.1167, 113.25), ("Hangzhou", "ZJ", 30.2936, 120.1614)]),
    ("China Unicom Liaoning", "China Unicom", "AS4837", "CN", "China", None,
     [("Shenyang", "LN", 41.7922, 123.4328), ("Dalian", "LN", 38.9122, 121.6022)]),
    ("Korea Telecom", "Korea Telecom", "AS4766", "KR", "South Korea", None,
     [("Seoul", "11", 37.5660, 126.9784), ("Busan", "26", 35.1028, 129.0403)]),
    ("Chunghwa Telecom Co., Ltd.", "Data Communication Business Group", "AS3462", "TW", "Taiwan",
     "dynamic-ip.hinet.net",
     [("Taipei", "TPE", 25.0478, 121.5319), ("Taichung", "TXG", 24.1469, 120.6839)]),
    ("Viettel Group", "Viettel Group", "AS7552", "VN", "Vietnam", "static.vnpt.vn",
     [("Hanoi", "HN", 21.0245, 105.8412), ("Ho Chi Minh City", "SG", 10.8230, 106.6296)]),
    ("VNPT Corp", "VNPT Corp", "AS45899", "VN", "Vietnam", None,
     [("Da Nang", "DN", 16.0678, 108.2208)]),
    ("TELEFONICA BRASIL S.A", "TELEFONICA BRASIL S.A", "AS18881", "BR", "Brazil",
     "dsl.telesp.net.br",
     [("Sao Paulo", "SP", -23.5475, -46.6361), ("Campinas", "SP", -22.9056, -47.0608)]),
    ("Claro NXT Telecomunicacoes Ltda", "Claro S.A.", "AS28573", "BR", "Brazil", "virtua.com.br",
     [("Rio de Janeiro", "RJ", -22.9028, -43.2075)]),
    ("Turk Telekom", "Turk Telekomunikasyon Anonim Sirketi", "AS9121", "TR", "Turkey",
     "dynamic.ttnet.com.tr",
     [("Istanbul", "34", 41.0138, 28.9497), ("Ankara", "06", 39.9199, 32.8543)]),
    ("Rostelecom", "Rostelecom", "AS12389", "RU", "Russian Federation", "dynamic.spd-mgts.ru",
     [("Moscow", "MOW", 55.7522, 37.6156), ("Saint Petersburg", "SPE", 59.9386, 30.3141)]),
    ("Bharti Airtel Ltd.", "Bharti Airtel Ltd., Telemedia Services", "AS24560", "IN", "India",
     "airtelbroadband.in",
     [("New Delhi", "DL", 28.6358, 77.2245), ("Mumbai", "MH", 19.0728, 72.8826)]),
    ("Telstra Corporation", "Telstra Internet", "AS1221", "AU", "Australia", "bpb.bigpond.com",
     [("Sydney", "NSW", -33.8678, 151.2073), ("Melbourne", "VIC", -37.8140, 144.9633)]),
    ("Hetzner Online GmbH", "Hetzner Online GmbH", "AS24940", "DE", "Germany",
     "clients.your-server.de",
     [("Falkenstein", "SN", 50.4779, 12.3713), ("Nuremberg", "BY", 49.4478, 11.0683)]),
    ("DigitalOcean, LLC", "DigitalOcean, LLC", "AS14061", "NL", "Netherlands", None,
     [("Amsterdam", "NH", 52.3740, 4.8897)]),
    ("Amazon.com, Inc.", "Amazon Technologies Inc.", "AS16509", "US", "United States",
     "compute-1.amazonaws.com", [("Ashburn", "VA", 39.0437, -77.4875)]),
]
ISP_WEIGHTS = [9, 6, 3, 6, 4, 5, 4, 4, 6, 4, 4, 9, 5, 5, 5, 6, 3, 5, 3, 4, 4, 5, 3, 3, 2, 3]
CLOUD = {"Hetzner Online GmbH", "DigitalOcean, LLC", "Amazon.com, Inc."}

# First octets whose /8 holds no reserved, private or multicast space.
PUBLIC_OCTETS = [o for o in range(1, 224) if o not in (0, 10, 100, 127, 169, 172, 192, 198, 203)]

CVE_TEXT = [
    "Improper authentication allows a remote attacker to bypass access controls and obtain "
    "configuration data, including user accounts and password hashes, by sending a crafted "
    "request.",
    "A command injection vulnerability in the web server due to insufficient input validation. "
    "An attacker can exploit it to launch a command injection attack by sending some messages "
    "with malicious commands.",
    "Buffer overflow in the HTTP request handler allows remote attackers to cause a denial of "
    "service (crash) or possibly execute arbitrary code via a long request line.",
    "The authentication process can be bypassed by constructing malicious data packets, "
    "allowing unauthenticated remote access to the device.",
    "An information disclosure issue allows remote attackers to read arbitrary files through a "
    "directory traversal sequence in the URL.",
]


def cve(rng, ids):
    out = {}
    for cid in ids:
        n = rng.randrange(len(CVE_TEXT))
        out[cid] = {
            "verified": False,
            "cvss": round(rng.choice((5.0, 6.5, 7.5, 9.8, 10.0)), 1),
            "summary": CVE_TEXT[n],
            "references": ["https://nvd.nist.gov/vuln/detail/" + cid,
                           "https://www.exploit-db.com/exploits/%d" % rng.randrange(30000, 52000)],
        }
    return out


def hexs(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def signed32(x):
    return x - (1 << 32) if x >= (1 << 31) else x


def http_date(ts):
    return formatdate(ts, usegmt=True)


def http_text(status, headers):
    return "HTTP/1.1 " + status + "\r\n" + "".join("%s: %s\r\n" % h for h in headers) + "\r\n"


def http_obj(ip_str, port, server, title, html, location="/"):
    return {
        "status": 200 if html else 401,
        "redirects": [],
        "host": ip_str if port in (80, 443) else "%s:%d" % (ip_str, port),
        "location": location,
        "components": {},
        "server": server,
        "title": title,
        "html": html,
        "html_hash": signed32(zlib.crc32(html.encode())) if html else None,
        "robots": None, "robots_hash": None, "sitemap": None, "sitemap_hash": None,
        "securitytxt": None, "securitytxt_hash": None,
        "headers_hash": None, "favicon": None,
    }


def login_html(title, script, extra=""):
    return ("<!DOCTYPE html>\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
            "charset=utf-8\"><title>%s</title><script type=\"text/javascript\" src=\"%s\"></script>"
            "</head><body onload=\"init()\">%s<noscript>Please enable JavaScript.</noscript>"
            "</body></html>\n" % (title, script, extra))


# ---------------------------------------------------------------------------------------------
# Services. Each builder takes (host, rng, ts, upgraded) and returns a dict of the banner's
# service-specific keys: port, transport, module, data, product, version, cpe, ...
# host["h"] is a Random seeded per host so that a device looks the same every time it is seen.

def ssh_kex(openssh):
    kex = (["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384", "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1"] if openssh else
           ["curve25519-sha256@libssh.org", "diffie-hellman-group14-sha1",
            "diffie-hellman-group1-sha1", "kexguess2@matt.ucc.asn.au"])
    return {
        "kex_algorithms": kex,
        "server_host_key_algorithms":
        ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ecdsa-sha2-nistp256"] if openssh
        else ["ssh-rsa", "ssh-dss"],
        "encryption_algorithms": ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr",
                                  "aes256-ctr", "aes128-gcm@openssh.com"] if openssh else
        ["aes128-ctr", "aes256-ctr", "aes128-cbc", "3des-cbc"],
        "mac_algorithms": ["umac-64-etm@openssh.com", "hmac-sha2-256-etm@openssh.com",
                           "hmac-sha2-256", "hmac-sha1"] if openssh
        else ["hmac-sha1", "hmac-sha2-256", "hmac-md5"],
        "compression_algorithms": ["none", "zlib@openssh.com"] if openssh else ["none"],
        "kex_follows": False,
        "unused": 0,
    }


DROPBEAR_CPE = "cpe:2.3:a:matt_johnston:dropbear_ssh_server:"
SSH_SERVERS = [
    # (banner, product, version, cpe23, vulns)
    ("SSH-2.0-dropbear_2012.55", "Dropbear sshd", "2012.55",
     DROPBEAR_CPE + "2012.55", ["CVE-2016-7406", "CVE-2016-7407", "CVE-2016-7408"]),
    ("SSH-2.0-dropbear_2014.63", "Dropbear sshd", "2014.63",
     DROPBEAR_CPE + "2014.63", ["CVE-2016-7406", "CVE-2017-9078"]),
    ("SSH-2.0-dropbear_2017.75", "Dropbear sshd", "2017.75",
     DROPBEAR_CPE + "2017.75", ["CVE-2018-15599"]),
    ("SSH-2.0-dropbear_2019.78", "Dropbear sshd", "2019.78", DROPBEAR_CPE + "2019.78", []),
    ("SSH-2.0-dropbear_2020.81", "Dropbear sshd", "2020.81", DROPBEAR_CPE + "2020.81", []),
    ("SSH-2.0-OpenSSH_5.8p1 Debian-1ubuntu3", "OpenSSH", "5.8p1 Debian 1ubuntu3",
     "cpe:2.3:a:openbsd:openssh:5.8p1",
     ["CVE-2016-0777", "CVE-2016-0778", "CVE-2015-5600", "CVE-2016-6515"]),
    ("SSH-2.0-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2.13", "OpenSSH", "6.6.1p1 Ubuntu 2ubuntu2.13",
     "cpe:2.3:a:openbsd:openssh:6.6.1p1", ["CVE-2016-0777", "CVE-2016-6515", "CVE-2018-15473"]),
    ("SSH-2.0-OpenSSH_7.4", "OpenSSH", "7.4", "cpe:2.3:a:openbsd:openssh:7.4",
     ["CVE-2018-15473", "CVE-2017-15906", "CVE-2021-41617"]),
    ("SSH-2.0-OpenSSH_7.9p1 Debian-10+deb10u2", "OpenSSH", "7.9p1 Debian 10+deb10u2",
     "cpe:2.3:a:openbsd:openssh:7.9p1", ["CVE-2021-41617", "CVE-2023-38408"]),
    ("SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5", "OpenSSH", "8.2p1 Ubuntu 4ubuntu0.5",
     "cpe:2.3:a:openbsd:openssh:8.2p1", ["CVE-2023-38408"]),
    ("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6", "OpenSSH", "8.9p1 Ubuntu 3ubuntu0.6",
     "cpe:2.3:a:openbsd:openssh:8.9p1", []),
    ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2", "OpenSSH", "9.2p1 Debian 2+deb12u2",
     "cpe:2.3:a:openbsd:openssh:9.2p1", []),
    # Only on MikroTik routers: not drawn at random.
    ("SSH-2.0-ROSSSH", "MikroTik RouterOS sshd", None, "cpe:2.3:o:mikrotik:routeros", []),
]
ROSSSH = len(SSH_SERVERS) - 1


BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def ssh_service(host, rng, ts, upgraded, port=22, choice=None):
    h = host["h"]
    idx = choice if choice is not None else h.randrange(ROSSSH)
    if upgraded and idx + 1 < ROSSSH and SSH_SERVERS[idx + 1][1] == SSH_SERVERS[idx][1]:
        idx += 1
    banner, product, version, cpe23, vulns = SSH_SERVERS[idx]
    openssh = product == "OpenSSH"
    key = "AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + "".join(h.choice(BASE64) for _ in range(340))
    fp = ":".join(hexs(h, 2) for _ in range(16))
    kex = ssh_kex(openssh)
    data = (banner + "\r\nKey type: ssh-rsa\nKey: " + key + "\nFingerprint: " + fp + "\n\n"
            "Kex Algorithms:\n\t" + "\n\t".join(kex["kex_algorithms"]) + "\n\n"
            "Server Host Key Algorithms:\n\t"
            + "\n\t".join(kex["server_host_key_algorithms"]) + "\n\n"
            "Encryption Algorithms:\n\t" + "\n\t".join(kex["encryption_algorithms"]) + "\n\n"
            "MAC Algorithms:\n\t" + "\n\t".join(kex["mac_algorithms"]) + "\n\n"
            "Compression Algorithms:\n\t" + "\n\t".join(kex["compression_algorithms"]) + "\n\n")
    return {
        "port": port, "module": "ssh", "data": data, "product": product, "version": version,
        "cpe23": [cpe23], "cpe": ["cpe:/a:" + cpe23[10:]], "info": "protocol 2.0",
        "vulns": vulns,
        "ssh": {"hassh": hexs(h, 32), "fingerprint": fp, "mac": kex["mac_algorithms"][0],
                "cipher": kex["encryption_algorithms"][0], "key": key, "kex": kex,
                "type": "ssh-rsa"},
    }


IAC_OPEN = "\xff\xfd\x01\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03"
MOTDS = [
    "Welcome to HiLinux.\r\nLinux 3.0.8 (%(name)s) (ttyp0)\r\n",
    "Linux 3.10.14 (%(name)s) (pts/0)\r\nBusyBox v%(bb)s (%(build)s) multi-call binary.\r\n",
    "\r\n  _______                     ______\r\n"
    " |       |.-----.-----.-----.|  |  |  |.----.|  |_\r\n"
    " |   -   ||  _  |  -__|     ||  |  |  ||   _||   _|\r\n"
    " |_______||   __|_____|__|__||________||__|  |____|\r\n"
    "          |__| W I R E L E S S   F R E E D O M\r\n",
    "Copyright (c) 2001 - 2016 Hangzhou Xiongmai Technology Co., Ltd.\r\n"
    "System version %(bb)s built %(build)s\r\n",
    "MStar Semiconductor, Inc. Embedded Linux %(bb)s\r\nKernel 2.6.35.12 on an armv7l\r\n",
]
BUSYBOX = ["1.12.1", "1.19.4", "1.20.2", "1.22.1", "1.24.1", "1.31.1"]


def telnet_service(host, rng, ts, upgraded, prompt=None, port=23):
    h = host["h"]
    bb = h.choice(BUSYBOX)
    name = prompt or h.choice(["(none)", "LocalHost", "dvrdvs", "hi3518", "IPCAM", "OpenWrt",
                               "ONT"])
    build = "%04d-%02d-%02d %02d:%02d:%02d CST" % (h.randrange(2012, 2019), h.randrange(1, 13),
                                                    h.randrange(1, 29), h.randrange(24),
                                                    h.randrange(60), h.randrange(60))
    style = h.randrange(3)
    motd = h.choice(MOTDS) % {"name": name, "bb": bb, "build": build}
    if style == 0:
        data = IAC_OPEN + "\r\n" + motd + "\r\n" + name + " login: "
        data += "\r\n" * 2 + "Password: \r\nLogin incorrect\r\n\r\n" + name + " login: "
    elif style == 1:
        data = (IAC_OPEN + "\r\n" + motd + "\r\nBusyBox v" + bb + " (" + build
                + ") built-in shell (ash)\r\n"
                "Enter 'help' for a list of built-in commands.\r\n\r\n# ")
    else:
        data = (IAC_OPEN + "\r\n*************************************************\r\n"
                "*            Welcome to " + name + " device            *\r\n"
                "*  Unauthorized access is strictly prohibited.  *\r\n"
                "*************************************************\r\n" + name + " login: ")
    return {
        "port": port, "module": "telnet", "data": data,
        "product": "BusyBox telnetd" if style == 1 else None,
        "version": bb if style == 1 else None,
        "cpe23": ["cpe:2.3:a:busybox:busybox:" + bb] if style == 1 else [],
        "telnet": {"do": ["Echo", "Negotiate About Window Size"],
                   "will": ["Echo", "Suppress Go Ahead"], "wont": [], "dont": []},
        "vulns": ["CVE-2016-2147", "CVE-2016-2148"] if style == 1 and bb < "1.25" else [],
    }


def rtsp_service(host, rng, ts, upgraded, realm):
    nonce = hexs(rng, 32)
    data = ("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"%s\", "
            "nonce=\"%s\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic realm=\"%s\"\r\n"
            "Date:  %s\r\n\r\n" % (realm, nonce, realm, http_date(ts)))
    return {"port": 554, "module": "rtsp-tcp", "data": data, "product": None, "version": None,
            "cpe23": [], "vulns": []}


HIK_MODELS = ["DS-2CD2032-I", "DS-2CD2142FWD-I", "DS-2CD2T42WD-I5", "DS-2CD2385G1-I",
              "DS-2DE4425IW-DE", "DS-2CD1023G0-I", "DS-2CD2043G0-I"]
HIK_FW = ["V5.2.0 build 140721", "V5.3.0 build 150513", "V5.4.5 build 170124",
          "V5.5.0 build 170725", "V5.5.82 build 190909", "V5.6.3 build 200617",
          "V5.7.3 build 220112"]


def hikvision(host, rng, ts, upgraded):
    h = host["h"]
    model = h.choice(HIK_MODELS)
    fwi = h.randrange(len(HIK_FW))
    if upgraded:
        fwi = min(fwi + 1, len(HIK_FW) - 1)
    fw = HIK_FW[fwi]
    server = h.choice(["App-webs/", "webserver", "Hikvision-Webs", "DNVRS-Webs"])
    vulns = (["CVE-2017-7921", "CVE-2021-36260"] if fwi < 3
             else ["CVE-2021-36260"] if fwi < 6 else [])
    html = login_html("", "/doc/script/lib/seajs/2.2.3/sea.js")
    headers = [("Date", http_date(ts)), ("Server", server), ("Content-Type", "text/html"),
               ("Content-Length", str(len(html))), ("Connection", "close"),
               ("ETag", "\"%s-%s-%s\"" % (hexs(h, 3), hexs(h, 3), hexs(h, 8))),
               ("Last-Modified", http_date(START - h.randrange(10 ** 8))),
               ("X-Frame-Options", "SAMEORIGIN"), ("X-XSS-Protection", "1; mode=block"),
               ("X-Content-Type-Options", "nosniff")]
    port = h.choice([80, 80, 80, 8080, 81])
    services = [{
        "port": port, "module": "http", "data": http_text("200 OK", headers),
        "product": "Hikvision IP Camera", "version": None,
        "cpe23": ["cpe:2.3:h:hikvision:" + model.lower()], "vulns": vulns, "info": fw,
        "http": http_obj(host["ip_str"], port, server, "", html),
    }]
    services.append(lambda host, rng, ts, up: rtsp_service(host, rng, ts, up, hexs(host["h"], 12)))
    if h.random() < 0.3:
        services.append(lambda host, rng, ts, up: telnet_service(host, rng, ts, up, "HIK"))
    return "webcam", ["iot", "webcam"], services


def dahua(host, rng, ts, upgraded):
    h = host["h"]
    serial = "%dJ0%dD%02dPAZ%05d" % (h.randrange(1, 9), h.randrange(10), h.randrange(100),
                                      h.randrange(100000))
    model = h.choice(["IPC-HFW1320S", "IPC-HDW4631C-A", "IPC-HFW2431S-S-S2", "DH-XVR5108HS",
                      "IPC-HDBW1230E-S"])
    html = login_html("WEB SERVICE", "/jsBase/lib/jquery.js",
                      "<div id=\"login\" class=\"login-main\">"
                      "<div class=\"login-logo\"></div></div>")
    headers = [("Cache-Control", "no-cache"), ("Content-Type", "text/html"),
               ("X-Frame-Options", "SAMEORIGIN"), ("Content-Length", str(len(html))),
               ("Connection", "close"), ("Last-Modified", http_date(START - h.randrange(10 ** 8))),
               ("Set-Cookie", "secure"), ("X-XSS-Protection", "1;mode=block"),
               ("X-Content-Type-Options", "nosniff"),
               ("Content-Security-Policy", "script-src 'self' 'unsafe-inline' 'unsafe-eval'")]
    services = [{
        "port": 80, "module": "http", "data": http_text("200 OK", headers),
        "product": "Dahua IP camera", "version": None,
        "cpe23": ["cpe:2.3:h:dahuasecurity:" + model.lower()],
        "vulns": ["CVE-2021-33044", "CVE-2021-33045"] if h.random() < 0.6 else [],
        "http": http_obj(host["ip_str"], 80, None, "WEB SERVICE", html),
    }]

    def dvr(host, rng, ts, up):
        data = ("Dahua DVR:\n  Serial Number: %s\n  Device Type: %s\n  Video Inputs: %d\n"
                "  Video Outputs: %d\n  Alarm Inputs: 0\n  Alarm Outputs: 0\n"
                "  Software Version: 2.%d.0\n"
                "  Build Date: 20%02d-%02d-%02d\n  Web Version: 3.2.1.%d\n  Onvif Version: %s\n"
                "  Video Standard: PAL\n  Remote Access: enabled\n"
                % (serial, model, h.choice([1, 4, 8, 16]), 1, 400 + h.randrange(400),
                   h.randrange(15, 23), h.randrange(1, 13), h.randrange(1, 29),
                   h.randrange(10 ** 6),
                   h.choice(["2.4.1", "16.12", "17.06", "19.12", "21.06"])))
        return {"port": 37777, "module": "dahua-dvr", "data": data, "product": "Dahua DVR",
                "version": None, "cpe23": [], "vulns": []}
    services.append(dvr)
    services.append(lambda host, rng, ts, up: rtsp_service(host, rng, ts, up, "Login to " + serial))
    return "webcam", ["iot", "webcam"], services


def axis(host, rng, ts, upgraded):
    h = host["h"]
    mac = "ACCC8E" + hexs(h, 6).upper()
    model = h.choice(["M3045-V", "P1435-LE", "Q6045-E", "M1065-L", "P3375-V"])
    nonce = hexs(rng, 40)
    headers = [("Date", http_date(ts)), ("Server", "Apache/2.4.%d (Unix) OpenSSL/1.1.1%s"
                                        % (h.choice([29, 37, 46]), h.choice("dkn"))),
               ("WWW-Authenticate", "Digest realm=\"AXIS_%s\", nonce=\"%s\", algorithm=MD5, "
                                    "qop=\"auth\"" % (mac, nonce)),
               ("Content-Length", "381"), ("Content-Type", "text/html; charset=iso-8859-1")]
    port = h.choice([80, 443, 80])
    return "webcam", ["iot", "webcam"], [{
        "port": port, "module": "https" if port == 443 else "http",
        "data": http_text("401 Unauthorized", headers),
        "product": "Axis %s Network Camera http config" % model, "version": None,
        "cpe23": ["cpe:2.3:h:axis:" + model.lower()], "vulns": [],
        "http": http_obj(host["ip_str"], port, headers[1][1], "401 Unauthorized", ""),
    }]


DVR_SERVERS = [
    # (Server header, product, version, cpe23, title, vulns)
    ("uc-httpd 1.0.0", "uc-httpd", "1.0.0", "cpe:2.3:a:xiongmai:uc-httpd:1.0.0",
     "NETSurveillance WEB", ["CVE-2018-10088", "CVE-2017-7577"]),
    ("Boa/0.94.14rc21", "Boa", "0.94.14rc21", "cpe:2.3:a:boa:boa:0.94.14rc21", "DVR Login",
     ["CVE-2017-9833", "CVE-2021-33558"]),
    ("JAWS/1.0 Apr 22 2014", "JAWS Web Server", "1.0", None, "DVR Components Download", []),
    ("Cross Web Server", "Cross Web Server", None, None, "NVR", []),
    ("DNVRS-Webs", "Hikvision DVR", None, "cpe:2.3:h:hikvision:ds-7216hghi", "", ["CVE-2017-7921"]),
]


def dvr(host, rng, ts, upgraded):
    h = host["h"]
    server, product, version, cpe23, title, vulns = h.choice(DVR_SERVERS)
    html = login_html(title, "js/jquery.min.js",
                      "<object classid=\"clsid:%s\" "
                      "codebase=\"webrec.cab#version=1,0,%d,0\"></object>"
                      % (hexs(h, 8).upper(), h.randrange(100)))
    headers = [("Date", http_date(ts)), ("Server", server), ("Accept-Ranges", "bytes"),
               ("Content-Type", "text/html"), ("Content-Length", str(len(html))),
               ("Last-Modified", http_date(START - h.randrange(10 ** 8))),
               ("Connection", "close")]
    if h.random() < 0.4:
        headers.append(("Set-Cookie",
                        "DhWebClientSessionID=%d; path=/; HttpOnly" % h.randrange(10 ** 9)))
    port = h.choice([80, 80, 8080, 8000, 88])
    services = [{
        "port": port, "module": "http", "data": http_text("200 OK", headers), "product": product,
        "version": version, "cpe23": [cpe23] if cpe23 else [], "vulns": vulns,
        "http": http_obj(host["ip_str"], port, server, title, html),
    }]
    services.append(lambda host, rng, ts, up: telnet_service(host, rng, ts, up, "dvrdvs"))
    if h.random() < 0.5:
        services.append(
            lambda host, rng, ts, up: rtsp_service(host, rng, ts, up, "Streaming Server"))
    return "dvr", ["iot"], services


WINBOX_PACKAGES = ("advtool", "dhcp", "hotspot", "ipv6", "ppp", "routing", "security", "wlan6")
ROS_VERSIONS = ["6.40.8", "6.42.1", "6.45.9", "6.47.10", "6.48.6", "6.49.7", "7.6", "7.11.2"]


def mikrotik(host, rng, ts, upgraded):
    h = host["h"]
    vi = h.randrange(len(ROS_VERSIONS))
    if upgraded:
        vi = min(vi + 1, len(ROS_VERSIONS) - 1)
    v = ROS_VERSIONS[vi]
    cpe23 = ["cpe:2.3:o:mikrotik:routeros:" + v]
    vulns = (["CVE-2018-14847", "CVE-2018-7445"] if vi < 2 else ["CVE-2019-3976"] if vi < 4 else [])
    html = ("<!doctype html>\n<html lang=\"en\"><head><title>RouterOS router configuration page"
            "</title><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/webfig/default.css\">"
            "</head><body><div id=\"login\"><h1>RouterOS v%s</h1><p>You have connected to a "
            "router. Administrative access only.</p><a href=\"/webfig/\">Webfig</a></div>"
            "</body></html>" % v)
    headers = [("Content-Length", str(len(html))), ("Content-Type", "text/html"),
               ("Date", http_date(ts)), ("Expires", "0"), ("Cache-Control", "no-cache"),
               ("X-Frame-Options", "sameorigin"),
               ("Content-Security-Policy", "default-src 'self' 'unsafe-inline' 'unsafe-eval' "
                                          "data: blob:; frame-ancestors 'self'")]
    services = [{
        "port": 80, "module": "http", "data": http_text("200 OK", headers),
        "product": "MikroTik router config httpd", "version": None, "cpe23": cpe23, "vulns": vulns,
        "http": http_obj(host["ip_str"], 80, None, "RouterOS router configuration page", html),
    }]

    def ftp(host, rng, ts, up):
        return {"port": 21, "module": "ftp",
                "data": "220 %s FTP server (MikroTik %s) ready\r\n530 Login incorrect\r\n"
                        "214-The following commands are recognized:\r\n"
                        " USER PASS QUIT CWD PWD PORT "
                        "PASV TYPE LIST RETR STOR SIZE DELE RMD MKD RNFR RNTO\r\n214 Help OK\r\n"
                        % (host["name"], v),
                "product": "MikroTik router ftpd", "version": v, "cpe23": cpe23, "vulns": [],
                "ftp": {"anonymous": False, "features_hash": None}}

    def winbox(host, rng, ts, up):
        return {"port": 8291, "module": "mikrotik-winbox", "data": "MikroTik WinBox\nVersion: %s\n"
                "List: index 0 roteros.dll %s\n" % (v, hexs(h, 32)) + "\n".join(
                    "  %s.jg %s" % (m, hexs(h, 8)) for m in WINBOX_PACKAGES),
                "product": "MikroTik RouterOS", "version": v, "cpe23": cpe23, "vulns": []}
    services.append(lambda host, rng, ts, up: ssh_service(host, rng, ts, False, 22, ROSSSH))
    services.append(ftp)
    services.append(winbox)
    services.append(lambda host, rng, ts, up: telnet_service(host, rng, ts, up, "MikroTik"))
    return "router", [], services


def zyxel(host, rng, ts, upgraded):
    h = host["h"]
    model = h.choice(["P-660HN-T1A", "P-660HW-D1", "VMG1312-B10A", "NBG6515", "USG20-VPN"])
    headers = [("Server", "RomPager/4.07 UPnP/1.0"), ("Connection", "close"),
               ("WWW-Authenticate", "Basic realm=\"%s\"" % model), ("Content-Type", "text/html"),
               ("Transfer-Encoding", "chunked"),
               ("Set-Cookie", "C0=%s; path=/" % hexs(h, 32))]
    services = [{
        "port": 80, "module": "http", "data": http_text("401 Unauthorized", headers),
        "product": "Allegro RomPager", "version": "4.07",
        "cpe23": ["cpe:2.3:a:allegrosoft:rompager:4.07"],
        "vulns": ["CVE-2014-9222", "CVE-2014-9223"],
        "http": http_obj(host["ip_str"], 80, "RomPager/4.07 UPnP/1.0", "Protected Object", ""),
    }]
    services.append(lambda host, rng, ts, up: ssh_service(host, rng, ts, up, 22, h.randrange(0, 3)))
    services.append(lambda host, rng, ts, up: telnet_service(host, rng, ts, up, model))
    return "router", [], services


def tplink(host, rng, ts, upgraded):
    h = host["h"]
    model = h.choice(["WR740N", "WR841N", "WR840N", "Archer C7", "Archer C50", "TL-WR940N"])
    server = h.choice(["TP-LINK HTTPD/1.0", "Router Webserver", "Router Webserver"])
    headers = [("Server", server), ("Connection", "close"),
               ("WWW-Authenticate", "Basic realm=\"TP-LINK Wireless N Router %s\"" % model),
               ("Content-Type", "text/html"), ("Content-Length", "0"),
               ("Cache-Control", "no-cache"), ("Pragma", "no-cache"), ("Expires", "0"),
               ("X-Frame-Options", "SAMEORIGIN")]
    port = h.choice([80, 8080])
    services = [{
        "port": port, "module": "http", "data": http_text("401 N/A", headers),
        "product": "TP-LINK %s WAP http config" % model, "version": None,
        "cpe23": ["cpe:2.3:h:tp-link:" + model.lower().replace(" ", "_")],
        "vulns": ["CVE-2019-6989"] if "WR" in model else [],
        "http": http_obj(host["ip_str"], port, server, "", ""),
    }]
    if h.random() < 0.4:
        services.append(
            lambda host, rng, ts, up: ssh_service(host, rng, ts, up, 22, h.randrange(0, 2)))
    return "router", [], services


MOSQUITTO = [("1.4.15", ["CVE-2017-7650", "CVE-2018-12543"]), ("1.5.7", ["CVE-2019-11779"]),
             ("1.6.9", ["CVE-2021-34432"]), ("2.0.11", []), ("2.0.15", []), ("2.0.18", [])]
TOPICS = ["$SYS/broker/version", "$SYS/broker/uptime", "$SYS/broker/clients/total",
          "$SYS/broker/messages/received", "$SYS/broker/load/bytes/sent/1min",
          "home/livingroom/temperature", "home/garage/door", "zigbee2mqtt/bridge/state",
          "tele/sonoff/LWT", "tele/tasmota_%s/STATE", "shellies/shelly1-%s/relay/0",
          "homeassistant/status", "owntracks/user/phone", "sensors/%s/humidity",
          "octoPrint/temperature/bed", "esp/%s/rssi", "frigate/events", "energy/meter/power"]


def mqtt(host, rng, ts, upgraded):
    h = host["h"]
    vi = h.randrange(len(MOSQUITTO))
    if upgraded:
        vi = min(vi + 1, len(MOSQUITTO) - 1)
    version, vulns = MOSQUITTO[vi]
    code = 0 if h.random() < 0.7 else 5
    topics = []
    if code == 0:
        n = h.randrange(6, 40)
        for _ in range(n):
            t = h.choice(TOPICS)
            topics.append(t % hexs(h, 6) if "%s" in t else t)
    data = "MQTT Connection Code: %d\n\nTopics:\n\n" % code + "".join("  %s\n" % t for t in topics)
    services = [{
        "port": h.choice([1883, 1883, 1883, 8883]), "module": "mqtt", "data": data,
        "product": "Mosquitto" if code == 0 else None, "version": version if code == 0 else None,
        "cpe23": ["cpe:2.3:a:eclipse:mosquitto:" + version] if code == 0 else [],
        "vulns": vulns if code == 0 else [],
        "mqtt": {"code": code, "messages": [{"topic": t, "payload": str(rng.randrange(1000))}
                                            for t in topics[:8]]},
    }]
    if h.random() < 0.6:
        services.append(
            lambda host, rng, ts, up: ssh_service(host, rng, ts, up, 22, h.randrange(5, ROSSSH)))
    return None, ["iot"], services


def busybox(host, rng, ts, upgraded):
    h = host["h"]
    port = 23 if h.random() < 0.8 else 2323
    return h.choice([None, "router", "webcam"]), ["iot"], [
        lambda host, rng, ts, up: telnet_service(host, rng, ts, up, None, port)]


def sshbox(host, rng, ts, upgraded):
    h = host["h"]
    port = 22 if h.random() < 0.85 else h.choice([2222, 22222])
    return None, [], [lambda host, rng, ts, up: ssh_service(host, rng, ts, up, port)]


# (builder, weight): the share of hosts of each kind.
KINDS = [(hikvision, 14), (dahua, 9), (axis, 4), (dvr, 13), (mikrotik, 11), (zyxel, 5),
         (tplink, 8), (mqtt, 10), (busybox, 13), (sshbox, 13)]


# ---------------------------------------------------------------------------------------------

class Generator:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        # Each ISP gets three /12 blocks in public-looking space.
        self.blocks = []
        for _ in ISPS:
            self.blocks.append([(self.rng.choice(PUBLIC_OCTETS) << 24)
                                | (self.rng.randrange(16) << 20) for _ in range(3)])
        self.host_ip = array.array("I")
        self.host_isp = array.array("B")
        self.used = set()
        self.kind_builders = [k for k, _ in KINDS]
        self.kind_weights = [w for _, w in KINDS]

    def new_host(self):
        """Adds a host and returns (host id, number of services it has)."""
        rng = self.rng
        isp = rng.choices(range(len(ISPS)), ISP_WEIGHTS)[0]
        while True:
            ip = rng.choice(self.blocks[isp]) | rng.randrange(1, 1 << 20)
            if (ip & 0xff) not in (0, 255) and ip not in self.used:
                break
        self.used.add(ip)
        hid = len(self.host_ip)
        self.host_ip.append(ip)
        self.host_isp.append(isp)
        host = self.host(hid)
        n = len(self.services(host, START, False)[2])
        # Most devices expose one or two of their possible services to the Internet.
        h = random.Random(self.seed * 7919 + hid * 2 + 1)
        shown = 1 + (h.random() < 0.45) + (h.random() < 0.2) + (h.random() < 0.05)
        return hid, min(n, shown)

    def host(self, hid):
        ip = self.host_ip[hid]
        isp = ISPS[self.host_isp[hid]]
        h = random.Random(self.seed * 1000003 + hid)
        ip_str = "%d.%d.%d.%d" % (ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255)
        host = {"id": hid, "ip": ip, "ip_str": ip_str, "isp": isp}
        host["name"] = h.choice(["MikroTik", "gw", "router", "rb750", "hAP"])
        kind = h.choices(self.kind_builders, self.kind_weights)[0]
        if isp[0] in CLOUD:
            kind = h.choice([mqtt, sshbox, sshbox])
        host["kind"] = kind
        city = h.choice(isp[6])
        host["location"] = {
            "city": city[0], "region_code": city[1], "area_code": None, "postal_code": None,
            "longitude": round(city[3] + (h.random() - 0.5) * 0.1, 4),
            "latitude": round(city[2] + (h.random() - 0.5) * 0.1, 4),
            "country_code": isp[3], "country_name": isp[4], "country_code3": None, "dma_code": None,
        }
        domain = isp[5]
        if domain and h.random() < 0.7:
            a, b, c, d = ip_str.split(".")
            if isp[0] in CLOUD:
                host["hostnames"] = ["static.%s.%s.%s.%s.%s" % (d, c, b, a, domain)]
            else:
                host["hostnames"] = ["%s-%s-%s-%s.%s" % (a, b, c, d, domain)]
            host["domains"] = [".".join(domain.split(".")[-2:])]
        else:
            host["hostnames"] = []
            host["domains"] = []
        return host

    def services(self, host, ts, upgraded):
        """(devicetype, tags, services) of the host's kind; a service is a dict or a builder
        called per sighting. The per-host generator restarts here, so a device shows the same
        models, keys and versions every time it is seen."""
        host["h"] = random.Random(self.seed * 1000003 + host["id"] + 0x5BD1E995)
        return host["kind"](host, host["h"], ts, upgraded)

    def banner(self, hid, svc, ts, upgraded):
        rng = self.rng
        host = self.host(hid)
        devicetype, tags, services = self.services(host, ts, upgraded)
        s = services[svc]
        if callable(s):
            s = s(host, rng, ts, upgraded)
        micro = rng.randrange(1000000)
        when = (datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
                + ".%06d" % micro)
        isp = host["isp"]
        data = s["data"]
        b = {
            "hash": signed32(zlib.crc32(data.encode("utf-8", "surrogatepass"))),
            "timestamp": when,
            "hostnames": host["hostnames"],
            "org": isp[0],
            "data": data,
            "port": s["port"],
            "transport": "tcp",
            "isp": isp[1],
            "asn": isp[2],
            "location": host["location"],
            "ip": host["ip"],
            "ip_str": host["ip_str"],
            "domains": host["domains"],
            "os": None,
            "_shodan": {"crawler": hexs(rng, 40), "ptr": True, "id": "%s-%s-%s-%s-%s" % (
                hexs(rng, 8), hexs(rng, 4), hexs(rng, 4), hexs(rng, 4), hexs(rng, 12)),
                "module": s["module"], "options": {}, "region": rng.choice(["na", "eu"])},
            "opts": {},
        }
        if s.get("product"):
            b["product"] = s["product"]
        if s.get("version"):
            b["version"] = s["version"]
        if s.get("info"):
            b["info"] = s["info"]
        if s.get("cpe23"):
            b["cpe23"] = s["cpe23"]
            b["cpe"] = s.get("cpe") or ["cpe:/" + c[8:] for c in s["cpe23"]]
        if devicetype:
            b["devicetype"] = devicetype
        t = list(tags)
        if s["module"] == "telnet" and "iot" not in t:
            t.append("iot")
        if s.get("vulns") and rng.random() < 0.9:
            b["vulns"] = cve(rng, s["vulns"])
            if rng.random() < 0.2:
                t.append("eol-product")
        if t:
            b["tags"] = t
        for module in ("http", "ssh", "mqtt", "telnet", "ftp"):
            if module in s:
                b[module] = s[module]
        return b


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: gen_shodan.py N SEED > banners.jsonl\n")
        return 2
    n = int(sys.argv[1])
    seed = int(sys.argv[2])
    gen = Generator(seed)
    rng = gen.rng
    span = DAYS * DAY
    # Pairs are numbered as they first appear; pair_host/pair_svc say which service they are,
    # pair_first when they were first seen. `eligible` counts the pairs first seen at least a day
    # before the current record; unrepeated[:...] holds the eligible ones not seen again yet.
    pair_host = array.array("I")
    pair_svc = array.array("B")
    pair_first = array.array("q")
    pending = []  # services of recent hosts not emitted yet: (host id, service index)
    eligible = 0
    unrepeated = []
    seen_again = set()
    repeats = 0
    out = sys.stdout
    lines = []
    for i in range(n):
        ts = START + (i * span) // max(n, 1) + rng.randrange(30)
        while eligible < len(pair_first) and pair_first[eligible] <= ts - DAY:
            unrepeated.append(eligible)
            eligible += 1
        if eligible and rng.random() < REPEAT_SHARE:
            if unrepeated and rng.random() < 0.9:
                k = rng.randrange(len(unrepeated))
                pid = unrepeated[k]
                unrepeated[k] = unrepeated[-1]
                unrepeated.pop()
            else:
                pid = rng.randrange(eligible)
            seen_again.add(pid)
            repeats += 1
            b = gen.banner(pair_host[pid], pair_svc[pid], ts, rng.random() < 0.1)
        else:
            while len(pending) < 16:
                hid, shown = gen.new_host()
                pending.extend((hid, s) for s in range(shown))
            hid, svc = pending.pop(rng.randrange(len(pending)))
            pair_host.append(hid)
            pair_svc.append(svc)
            pair_first.append(ts)
            b = gen.banner(hid, svc, ts, False)
        lines.append(json.dumps(b, ensure_ascii=False))
        if len(lines) >= 2000:
            out.write("\n".join(lines))
            out.write("\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines))
        out.write("\n")
    out.flush()
    pairs = len(pair_first)
    sys.stderr.write(
        "gen_shodan: %d banners, %d hosts, %d ip:port pairs, %d (%.1f%%) seen again on a later "
        "day, %d repeat banners\n" % (n, len(gen.host_ip), pairs, len(seen_again),
                                       100.0 * len(seen_again) / max(pairs, 1), repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
