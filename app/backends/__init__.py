"""Fake models behind one small interface (base.py), chosen per model by name (registry.py)."""
