"""Clients of the article, ported to Python 3: ``python client/client3.py --help``. Installed, this folder ships
as ``wirecheck.article.client``: see ``wirecheck/article/_registry.py``."""
