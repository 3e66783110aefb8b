"""Goes to the background in nginx's order (`daemon on`): listens first, then forks; the child starts a session of
its own and serves on the socket it inherited, and the first process exits at once with status 0."""

import os
import time

from tests.broken.common import listen, parse_args, serve
from tests.broken.daemonizes import serve_as_daemon

# nginx forks within a millisecond of listening, and a gate that polls every 10 ms would mostly see the started
# process gone by then; on a busy machine it may not be. This makes that case certain: it is seen listening first.
FORKS_AFTER_SECONDS = 0.2


def loop(args):
    listen_socket = listen(args)
    time.sleep(FORKS_AFTER_SECONDS)
    if os.fork():
        os._exit(0)
    serve_as_daemon(listen_socket, args)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
