import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

_QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only


def ack_request_headers_at_once(app: Callable) -> Callable:
    """ACK a request's headers now, so a client can send its body without waiting.

    Clients such as httpx (gcapi) write a request's headers and body as two packets
    without TCP_NODELAY: Nagle holds the body until the headers are ACKed, and Linux
    delays that ACK by 40 ms on a keep-alive connection. Every POST/PATCH then took
    40 ms longer than a GET. TCP_QUICKACK sends the pending ACK at once (gunicorn
    hands the WSGI app its client socket).
    """

    def wrapped(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if _QUICKACK is not None and sock is not None and environ.get("CONTENT_LENGTH"):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            except OSError:
                pass  # not TCP (a unix socket): nothing to hurry
        return app(environ, start_response)  # type: ignore[no-any-return]

    return wrapped


application = ack_request_headers_at_once(get_wsgi_application())
