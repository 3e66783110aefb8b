"""Ignores Expect: 100-continue: reads the whole body its Content-Length announces before answering, so a
client that waits for 100 Continue waits until it gives up and sends the body anyway."""

import re

from tests.broken.common import END_OF_HEAD, KEEP_ALIVE_RESPONSE, parse_args, read_head, serve, serve_each_in_a_thread

CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def handle(client_connection):
    head = read_head(client_connection) or b""
    length = CONTENT_LENGTH.search(head)
    body = head.split(END_OF_HEAD, 1)[1] if END_OF_HEAD in head else b""
    while length and len(body) < int(length[1]):  # the bug: no 100 Continue, it waits for the body first
        chunk = client_connection.recv(int(length[1]) - len(body))
        if not chunk:
            break
        body += chunk
    client_connection.sendall(KEEP_ALIVE_RESPONSE)
    client_connection.close()


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
