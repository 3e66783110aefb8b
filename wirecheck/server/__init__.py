"""The server under test: its lifecycle and process tree, what the kernel says of its sockets, privileges, ports,
waiting, and the session that runs it under a capture."""
