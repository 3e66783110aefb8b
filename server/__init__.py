"""Python 3 ports of the servers of "Let's Build A Web Server, Part 3" (rspivak/lsbaws).

One complete file per variant, importing nothing but the standard library, run by its path:
``python server/<variant>.py --port 8888``. Diffing a variant with the one it changes shows
the article's change (each file's header names that one). Installed, this folder ships as
``wirecheck.article.servers``: see ``wirecheck/article/_registry.py``.
"""
