"""Goes to the background the classic Unix way: forks, the child starts a session of its own and forks again, so
that the grandchild, which serves, is no session leader (it can never take a terminal); both parents exit."""

import os

from tests.broken.common import listen, parse_args, serve
from tests.broken.daemonizes import accept_loop


def loop(args):
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    accept_loop(listen(args), args)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
