"""Deliberately broken servers: each misbehaves in one way that a check must catch."""
