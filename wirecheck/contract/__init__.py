"""The contract of a well-behaved HTTP/1.1 server: its properties (properties.py) and their tests.

The tests ship inside the package so that an installed wirecheck can run the gate from any
directory; each module tests one topic, each test is marked with the property it checks.
"""
