"""SQLite WAL checkpoints off the event loop.

A checkpoint copies the log's pages into the database file and syncs it; left to SQLite, it runs
inside whichever COMMIT crosses the threshold, so one request in ~150 paid milliseconds for
everybody's writes. Here every connection turns automatic checkpoints off and this thread runs a
PASSIVE one (it never waits for readers or writers) whenever the log has grown.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

log = logging.getLogger("responses_mock")

GROWN = 4 * 1024 * 1024  # bytes of log that make a checkpoint worth its sync
EVERY = 0.25  # seconds between looks at the log's size
PRAGMAS = ("PRAGMA wal_autocheckpoint=0", "PRAGMA journal_size_limit=67108864")


class Checkpointer:
    def __init__(self, path: str) -> None:
        self._path, self._wal = path, path + "-wal"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=1000")
            while not self._stop.wait(EVERY):
                try:
                    if os.path.getsize(self._wal) >= GROWN:
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except (OSError, sqlite3.Error) as exc:  # no log yet, or busy: look again later
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
