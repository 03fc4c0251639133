#!/usr/bin/env python3
"""Builds default-credentials.csv from the two MIT-licensed upstream lists (see data/README.md).

  python3 data/credentials/build_default_credentials.py \
      DefaultCreds-Cheat-Sheet.csv mirai-botnet.txt > data/credentials/default-credentials.csv

DefaultCreds-Cheat-Sheet.csv (ihebski/DefaultCreds-cheat-sheet, MIT): productvendor,username,
password; "<blank>" means empty; "(web)", "(ssh)", "(telnet)" ... in the product name say where
the login is. mirai-botnet.txt (danielmiessler/SecLists, MIT): "user password" per line, "(none)"
means empty. Output columns: vendor,product,protocol,username,password,source, vendor being the
lower-case first word of the product name (the key citywatch looks vendors up by).
"""
import csv
import re
import sys

PROTOCOLS = {"web": "http", "http": "http", "https": "http", "ssh": "ssh", "telnet": "telnet",
             "ftp": "ftp", "snmp": "snmp", "rtsp": "rtsp", "mqtt": "mqtt", "vnc": "vnc",
             "rdp": "rdp", "database": "database", "db": "database"}


def vendor_key(name):
    return re.split(r"[ (_]", name.strip(), maxsplit=1)[0].lower()


def main(cheat_sheet, mirai):
    out = csv.writer(sys.stdout, lineterminator="\n")
    print("# Default credentials. Built by build_default_credentials.py from DefaultCreds-cheat-sheet")
    print("# (MIT, Copyright (c) 2022 Ihebski) and SecLists' Mirai list (MIT, Copyright (c) 2025")
    print("# Daniel Miessler); licence texts in data/credentials/LICENSES.md.")
    out.writerow(["vendor", "product", "protocol", "username", "password", "source"])
    seen = set()
    with open(cheat_sheet, newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            product = row["productvendor"].strip()
            m = re.search(r"\(([^)]*)\)\s*$", product)
            protocol = PROTOCOLS.get(m.group(1).strip().lower(), "any") if m else "any"
            user = "" if row["username"] == "<blank>" else row["username"]
            password = "" if row["password"] == "<blank>" else row["password"]
            key = (vendor_key(product), product, protocol, user, password)
            if not key[0] or key in seen:
                continue
            seen.add(key)
            out.writerow([key[0], product, protocol, user, password, "defaultcreds-cheat-sheet"])
    with open(mirai, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.strip().split(None, 1)
            if len(parts) != 2:
                continue
            user, password = ("" if p == "(none)" else p.strip() for p in parts)
            out.writerow(["*", "Mirai scanner table", "telnet", user, password,
                          "seclists-mirai-botnet"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
