"""Clients of the article, ported to Python 3: ``python -m client.client3 --help``."""
