"""Loads the wirecheck pytest plugin in a clone that has not installed it (PYTHONPATH or bin/test).

Where wirecheck is installed, its `pytest11` entry point has loaded the plugin already, under the
same name (wirecheck.plugin), and pytest skips a plugin registered under the name asked for; under
another name pytest would refuse it ("Plugin already registered under a different name").
"""

pytest_plugins = ["wirecheck.plugin"]
