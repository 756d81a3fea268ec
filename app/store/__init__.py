"""SQL only: the engine, the tables, and one module of queries per table. Never knows HTTP."""
