"""The log filter's masks (app/redaction.py): each kind of secret, and lines left alone."""

from __future__ import annotations

import pytest

from responses_mock.redaction import MASK, redact


@pytest.mark.parametrize("line, secret", [
    ('GET /__admin/requests?api_key=sk-tenant-one-123 HTTP/1.1', "sk-tenant-one-123"),
    ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
    ("{'x-api-key': 'plain-secret-value'}", "plain-secret-value"),
    ('{"x-admin-token": "admintok"}', "admintok"),
    ("cannot connect to postgresql+asyncpg://app:hunter2@db:5432/mock", "hunter2"),
    ("key sk-proj-abcdefghijkl leaked", "sk-proj-abcdefghijkl"),
])
def test_secrets_are_masked(line, secret):
    cleaned = redact(line)
    assert secret not in cleaned and MASK in cleaned


def test_an_ordinary_line_is_left_alone():
    line = "127.0.0.1:5432 - GET /v1/responses/resp_123 HTTP/1.1 200 at postgresql://db:5432/mock"
    assert redact(line) == line
