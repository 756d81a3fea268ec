"""The engine and its budget (store/db.py): one setting shared out between the pools and the
listener; an in-memory SQLite refused (every connection would see a database of its own)."""

from __future__ import annotations

import pytest

from responses_mock.store import db
from responses_mock.store.db import Budget


def test_the_budget_is_shared_out_and_never_exceeded():
    for total in range(3, 40):
        share = Budget(total)
        assert share.listen == 1 and share.direct >= 1 and share.pool >= 1
        assert share.listen + share.direct + share.pool == total
    assert (Budget(10).direct, Budget(10).pool) == (4, 5)
    with pytest.raises(ValueError, match="at least 3"):
        Budget(2)


def test_in_memory_sqlite_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="in-memory"):
        db.make_engine("sqlite+aiosqlite:///:memory:")
