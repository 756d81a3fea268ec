"""SQL only: the store handle (handle.py), the tables, and one module of queries per table. Never knows HTTP."""
