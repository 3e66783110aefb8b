"""wirecheck: prove from the loopback wire what a TCP server did.

The machinery is importable without pytest: ``capture`` sniffs, ``frames`` decodes,
``flows`` builds connections, ``http`` parses the exchange, ``report`` draws the
ladder, ``pcapng`` saves annotated captures, ``procs`` runs and ends servers.
``plugin`` is the only module that knows about pytest.
"""
