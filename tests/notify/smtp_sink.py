#!/usr/bin/python3
"""A real SMTP server for the notification tests: Debian's python3-aiosmtpd on 127.0.0.1.

Usage: smtp_sink.py DIR [USER PASSWORD]
Prints the port it listens on (one line), then writes each accepted message to DIR/NNNN.eml
(envelope sender and recipients first as X-Envelope-From/-To lines) until it is terminated. With
USER and PASSWORD it requires AUTH (PLAIN or LOGIN, allowed without TLS for the test) and
refuses other credentials.
"""
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, "%04d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" %
                     (envelope.mail_from, ",".join(envelope.rcpt_tos))).encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    directory = sys.argv[1]
    user = sys.argv[2] if len(sys.argv) > 3 else None
    password = sys.argv[3] if len(sys.argv) > 3 else None
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    kwargs = {}
    if user is not None:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and
                  auth_data.password.decode() == password)
            return AuthResult(success=ok)
        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(port, flush=True)
    threading.Event().wait()  # until SIGTERM


if __name__ == "__main__":
    main()
