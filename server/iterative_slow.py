"""Iterative server that sleeps after each response (article 3b): the waiting client.

Same loop as ``iterative``; the only change is the default delay of 60 s between
sending the response and closing the connection. On the wire: the response, then
nothing for the delay, then the server's FIN. A second client connects at once
(backlog) but gets its response only after the first connection's FIN.
"""

from server import iterative
from server.common import parse_args, serve

if __name__ == "__main__":
    serve(iterative.loop, parse_args(__doc__, default_delay=60))
