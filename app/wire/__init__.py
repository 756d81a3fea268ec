"""The only place that knows JSON shapes; checked against the SDK types and the spec in tests."""
