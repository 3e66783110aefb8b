"""Python 3 ports of the servers of "Let's Build A Web Server, Part 3" (rspivak/lsbaws).

One file per variant, each runnable on its own: ``python -m server.<variant> --port 8888``.
The shared parts (command line, listening socket, request handling) live in ``common``.
"""
