"""Store faults are told from refusals of the data, and named without SQL (what /ready and the
logs say)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

from responses_mock.store.health import describe, is_fault, refused


def _wrapped(error: Exception) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError.instance("INSERT INTO journal (id) VALUES (?)", ("x",), error, sqlite3.Error)


def test_faults_and_refusals_across_wrappers():
    full = _wrapped(sqlite3.OperationalError("database or disk is full"))
    assert is_fault(full) and not refused(full)
    assert is_fault(ConnectionRefusedError(111, "Connect call failed"))
    duplicate = _wrapped(sqlite3.IntegrityError("UNIQUE constraint failed: jobs.response_id"))
    assert refused(duplicate) and not is_fault(duplicate)
    assert not is_fault(RuntimeError("a bug, not the store"))


def test_a_fault_is_named_without_sql():
    text = describe(_wrapped(sqlite3.OperationalError("database or disk is full")))
    assert text == "OperationalError: database or disk is full"
    assert "SQL" not in text and "INSERT" not in text
