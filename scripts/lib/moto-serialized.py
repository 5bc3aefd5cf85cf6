"""moto's server with one request handled at a time.

moto's in-memory backends are not safe for concurrent requests: under load
they fail with "dictionary changed size during iteration" and, worse, let a
DynamoDB conditional update race (a download limit of 3 once let 4 through
in CI, which real DynamoDB never does). Connections are still served on
threads, as `moto_server` does (so keep-alive clients do not block one
another); only the application call, with its whole answer, holds the lock.

    python moto-serialized.py HOST PORT
"""

import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))  # as moto_server sets it
app = DomainDispatcherApplication(create_backend_app)
one_at_a_time = threading.Lock()


def serialized(environ, start_response):
    with one_at_a_time:
        # The answer is produced inside the lock, not streamed after it.
        return list(app(environ, start_response))


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
run_simple(
    host,
    port,
    serialized,
    threaded=True,
    use_reloader=False,
    request_handler=MotoRequestHandler,
)
