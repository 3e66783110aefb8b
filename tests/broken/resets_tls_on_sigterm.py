"""Broken: serves HTTPS as good_https.py does, but on SIGTERM resets every open connection where it stands (RST, no
close_notify: the upload in flight unanswered, the idle and the silent connections too) and goes on accepting for
0.75 s, resetting each newcomer, before it exits (resets_on_sigterm.py over TLS; benoitc/gunicorn#922, #3397).

Fails graceful-stop: every part of it.
"""

from tests.broken.common import serve
from tests.broken.good_https import converse
from tests.broken.tls_common import parse_args, serve_tls

if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse, hard_stop=True), parse_args(__doc__))
