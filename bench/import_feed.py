#!/usr/bin/env python3
"""Shodan banners for the import that runs during bench/api_bench.sh: COUNT banners on the
benchmark devices (198.18.0.0/15), stamped with round ROUND so each round adds new records.
Usage: import_feed.py ROUND COUNT DEVICES"""
import sys

round_, count, devices = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out = sys.stdout
for i in range(count):
    dev = (i * 7919 + round_) % devices
    ip = f"198.{18 + dev // 65536}.{dev // 256 % 256}.{dev % 256}"
    minute, second = divmod(i % 3600, 60)
    out.write(f'{{"ip_str":"{ip}","port":80,"timestamp":"2026-11-{19 + round_ % 9:02d}T{round_ % 24:02d}:{minute:02d}:{second:02d}",'
              f'"product":"lighttpd","data":"HTTP/1.1 200 OK\\r\\nServer: lighttpd"}}\n')
