#!/usr/bin/env python3
"""A local SMTP server for the notification tests (Debian's python3-aiosmtpd).

Requires STARTTLS (the certificate the test made) and AUTH with the expected login before it
accepts mail, and writes every message as received to OUTDIR/msg-N.eml (via a temporary name,
so a file that exists is complete) with the envelope in OUTDIR/msg-N.env. Binds 127.0.0.1 on a
free port and writes the port to PORTFILE once it listens.

usage: smtp_sink.py CERT KEY USER PASSWORD OUTDIR PORTFILE
"""
import asyncio
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    cert, key, user, password, outdir, portfile = sys.argv[1:7]

    class Handler:
        def __init__(self):
            self.count = 0

        async def handle_DATA(self, server, session, envelope):
            self.count += 1
            base = os.path.join(outdir, "msg-%d" % self.count)
            with open(base + ".env", "w") as f:
                f.write("from %s\nto %s\nauth %s\ntls %s\n" % (
                    envelope.mail_from, " ".join(envelope.rcpt_tos),
                    session.authenticated, session.ssl is not None))
            with open(base + ".tmp", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(base + ".tmp", base + ".eml")
            return "250 OK stored"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handler = Handler()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    factory = lambda: SMTP(handler, tls_context=ctx, require_starttls=True,
                           authenticator=authenticator, auth_required=True,
                           auth_require_tls=True)
    loop.run_until_complete(loop.create_server(factory, sock=sock))
    with open(portfile + ".tmp", "w") as f:
        f.write(str(sock.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    loop.run_forever()


if __name__ == "__main__":
    main()
