"""Loads the wirecheck pytest plugin: options, the `wire` fixture, report header."""

pytest_plugins = ["wirecheck.plugin"]
