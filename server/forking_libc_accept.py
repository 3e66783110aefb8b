"""Forking server that calls the C library's accept() directly: the article's 3e crash, in Python 3.

Same as ``forking_single_wait`` (one os.wait() per SIGCHLD); only accept() changes. It goes
through ctypes to libc, with no retry, as socket.accept() behaved in the article's Python 2.
Python installs its SIGCHLD handler without SA_RESTART, so when a child exits while the
parent blocks in accept(), the call returns -1 with errno EINTR. socket.accept() would
retry it (PEP 475); this one raises InterruptedError and the server dies, as in the article
("socket.error: [Errno 4] Interrupted system call"). On the wire: the first client is
answered; once its child has exited nothing listens, and the next SYN is answered by RST.
"""

import ctypes
import functools
import os
import socket

from server import forking_single_wait
from server.common import parse_args, serve

_libc = ctypes.CDLL(None, use_errno=True)


def libc_accept(listen_socket):
    """accept(2) through the C library, shaped like socket.accept(); no retry after a signal."""
    descriptor = _libc.accept(listen_socket.fileno(), None, None)
    if descriptor < 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))  # errno EINTR makes it an InterruptedError
    return socket.socket(fileno=descriptor), None


if __name__ == "__main__":
    serve(functools.partial(forking_single_wait.loop, accept=libc_accept), parse_args(__doc__, default_delay=3))
