"""Behaviour: no HTTP objects, no SQL."""
