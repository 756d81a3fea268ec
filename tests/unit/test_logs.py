"""Failures a flood repeats are said once a second; a store fault is one line without SQL (its
statement and parameters are callers' data), a bug keeps its traceback."""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy.exc import OperationalError

from responses_mock import middleware
from responses_mock.logs import Throttled

SCOPE = {"method": "POST", "path": "/v1/responses"}


def test_a_throttled_warning_is_said_once_an_interval(caplog, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("responses_mock.logs.time.monotonic", lambda: clock[0])
    said = Throttled(logging.getLogger("t"), interval=1.0)
    with caplog.at_level(logging.WARNING):
        for t in (100.0, 100.2, 100.9, 101.0, 101.5, 102.1):
            clock[0] = t
            said.warning("flood %s", t)
    assert [r.getMessage() for r in caplog.records] == ["flood 100.0", "flood 101.0", "flood 102.1"]


def test_a_store_fault_is_one_line_without_sql_and_a_bug_keeps_its_traceback(caplog, monkeypatch):
    monkeypatch.setattr(middleware, "_store_away", Throttled(middleware.log))
    fault = OperationalError("INSERT INTO responses (id, body) VALUES (?, ?)", ("resp_1", '{"input": "private"}'),
                             sqlite3.OperationalError("disk I/O error"))
    with caplog.at_level(logging.WARNING, logger="responses_mock"):
        for _ in range(50):  # every request of an outage
            middleware._failed(SCOPE, fault)
        middleware._failed(SCOPE, ValueError("a bug"))
    faults, bugs = caplog.records[:-1], caplog.records[-1:]
    assert len(faults) == 1 and faults[0].exc_info is None
    line = faults[0].getMessage()
    assert line == "POST /v1/responses failed: the store is away (OperationalError: disk I/O error)"
    assert "INSERT" not in line and "private" not in line
    assert bugs[0].levelno == logging.ERROR and bugs[0].exc_info[0] is ValueError
