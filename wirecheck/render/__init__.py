"""Drawing connections for people: the text ladder, SVG, the HTML page, and `wirecheck show` for a saved capture."""
