"""Capture: the loopback socket and its kernel filter, pcapng written and read. Produces the model's frames."""
