"""A fixed pool of four worker threads, each taking one connection from accept() and holding it until its client
closes (keep-alive, no idle timeout), as a server with a connection limit or a small thread pool does (waitress's
connection_limit, gunicorn's gthread threads): four idle connections take every worker, and a fresh client waits
in the accept queue, unanswered."""

import threading

from tests.broken.common import listen, parse_args, serve, serve_keep_alive

WORKERS = 4


def loop(args):
    listen_socket = listen(args)
    workers = [threading.Thread(target=_work, args=(listen_socket,), daemon=True) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _work(listen_socket):
    while True:
        client_connection, _ = listen_socket.accept()
        with client_connection:
            serve_keep_alive(client_connection)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__, default_backlog=64))
