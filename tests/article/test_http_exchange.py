"""The client's GET /hello reaches the server, which answers 200 with Hello, World! after it; curl agrees."""

import pytest
from expectations import BODY, FORKING_VARIANTS, STATUS, TARGET

from wirecheck import checks
from wirecheck.clients._requests import curl

CURL_MAX_SECONDS = 5.0


@pytest.mark.parametrize("variant", ("iterative", *FORKING_VARIANTS))
def test_get_hello_is_answered_200_hello_world_and_curl_gets_the_same_bytes(wire, variant):
    server = wire.serve(variant)
    fetched = curl(server.url(TARGET), CURL_MAX_SECONDS)
    connection, = wire.connections(1)
    wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
    assert fetched.returncode == 0, f"curl failed ({fetched.returncode}): {fetched.stderr}"
    assert fetched.output == connection.sent_by_server.data, (
        f"curl printed {fetched.output!r}, the server sent {connection.sent_by_server.data!r}")
