"""The model: frames off the wire -> connections (flows) -> HTTP messages. Imports nothing above it, nor pytest."""
