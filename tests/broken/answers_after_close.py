"""Answers every request it reads, even one pipelined behind a request with Connection: close
(Kludex/uvicorn#2238), then closes."""

from tests.broken.common import (
    END_OF_HEAD,
    KEEP_ALIVE_RESPONSE,
    REQUEST_BUFFER,
    parse_args,
    serve,
    serve_each_in_a_thread,
)


def handle(client_connection):
    requests = [head for head in client_connection.recv(REQUEST_BUFFER).split(END_OF_HEAD) if head]
    client_connection.sendall(KEEP_ALIVE_RESPONSE * len(requests))  # the bug: one answer per request, past the close
    client_connection.close()


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
