"""Clients of the article, ported to Python 3: ``python client/client3.py --help``. Installed, this
directory is ``wirecheck.article_client``: see ``wirecheck.registry.client3_path``."""
