"""Every article server survives rude clients and then serves an ordinary one; the wire shows how each rude
connection ended, and that a silent client blocks the iterative server (its documented weakness) and no other."""

import socket
import threading

import pytest
from expectations import ARTICLE_VARIANTS, BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.article import _registry as registry
from wirecheck.checks import _process_table as process_claims
from wirecheck.checks import _several_connections as claims
from wirecheck.clients._abuse import ABUSES
from wirecheck.clients._requests import burst, request_bytes
from wirecheck.server._dialer import Dialer

# iterative_slow is iterative with another default delay: with the delay these tests use it is the same server.
VARIANTS = tuple(name for name in ARTICLE_VARIANTS if name != "iterative_slow")
# How long a rude client waits for a server that never closes (forking_unclosed) before it gives up.
ABUSE_TIMEOUT_SECONDS = 0.5
# The ordinary client's answer must begin this soon after its request (a loopback answer takes a few ms).
ANSWER_LIMIT_SECONDS = 1.0
# How long the silent client stays connected, saying nothing, before it leaves.
SILENT_SECONDS = 0.5
CLIENT_TIMEOUT_SECONDS = 5.0

# How each rude connection ends, in Zeek's words: (servers that close after answering, one that never closes).
ENDINGS = {
    # The client's FIN; the article's servers answer anyway; the closed client's kernel resets.
    "closes_without_a_request": ("RSTO", "RSTO"),
    # The article's servers answer anything with 200; the unclosed one never sends FIN, so the client gives up.
    "sends_random_bytes": ("SF", "S2"),
    # One recv(1024) leaves unread bytes, and closing such a socket sends RST, not FIN (Linux).
    "sends_an_oversized_request": ("RSTR", "S2"),
    "half_closes_after_the_request": ("SF", "S2"),
    "resets_mid_response": ("RSTO", "RSTO"),
}
# The lingering server reads what the client still sends before it closes: its FIN leaves, then the client's.
LINGERING = "forking_lingering"
LINGERING_ENDINGS = {"sends_an_oversized_request": "SF"}


def _ordinary_request(port: int) -> None:
    burst(Dialer(port), [request_bytes(TARGET, "127.0.0.1", port)], ABUSE_TIMEOUT_SECONDS)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("abuse", sorted(ABUSES))
def test_a_rude_client_then_an_ordinary_one_is_served(wire, variant, abuse):
    session = wire.serve(variant)
    ABUSES[abuse](session.dialer, TARGET, ABUSE_TIMEOUT_SECONDS)
    _ordinary_request(session.port)
    rude, ordinary = wire.connections(2)
    server = session.server
    wire.expect(process_claims.server_running(server.running(), server.output(), rude.segments[-1], rude))
    ending = ENDINGS[abuse][not registry.server(variant).closes]
    wire.expect(checks.ends_in_state(rude, LINGERING_ENDINGS.get(abuse, ending) if variant == LINGERING else ending))
    wire.expect(checks.response(ordinary, STATUS, within=ANSWER_LIMIT_SECONDS, complete=False))
    assert ordinary.sent_by_server.data.endswith(BODY), f"expected the body {BODY!r}: {ordinary.sent_by_server.data!r}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_silent_client_blocks_the_iterative_server_and_no_other(wire, variant):
    session = wire.serve(variant)
    silent = socket.create_connection(("127.0.0.1", session.port))
    ordinary = threading.Thread(target=burst, args=(session.dialer, [request_bytes(TARGET, "127.0.0.1", session.port)],
                                                    CLIENT_TIMEOUT_SECONDS if variant == "iterative"
                                                    else ABUSE_TIMEOUT_SECONDS + SILENT_SECONDS))
    ordinary.start()
    threading.Event().wait(SILENT_SECONDS)
    silent.close()
    ordinary.join()
    first, second = wire.connections(2)
    wire.expect(claims.second_waits_for_first(first, second, waits=variant == "iterative"))
