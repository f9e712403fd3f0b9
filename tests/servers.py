"""Real servers for tests: the site over HTTPS (for gcapi) and a Celery worker."""

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from app.tls import ensure_certificates


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def get_environ(self) -> dict:
        # the socket is TLS-wrapped: absolute URLs the site builds must say https
        environ = super().get_environ()
        environ["HTTPS"] = "on"
        return environ


@dataclass(frozen=True)
class HttpsServer:
    url: str  # https://127.0.0.1:PORT
    ca_file: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v1/"


@contextmanager
def https_server(tls_dir: Path) -> Iterator[HttpsServer]:
    files = ensure_certificates(tls_dir)
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HttpsServer(url=f"https://127.0.0.1:{server.server_port}", ca_file=files.ca)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
