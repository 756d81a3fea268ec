# Two commands do all set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed-stamp

.PHONY: serve test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# The server on the embedded default store (a SQLite file under ./data), at 127.0.0.1:8000.
serve: $(STAMP)
	$(VENV)/bin/responses-mock serve

# The npm client of the suite (skipped by the tests, with a message, where Node is absent).
NODE_STAMP := tests/node/node_modules/.installed-stamp
$(NODE_STAMP): tests/node/package-lock.json
	@if command -v npm >/dev/null; then cd tests/node && npm ci --no-audit --no-fund --silent && touch node_modules/.installed-stamp; \
	else echo "npm not found: the Node client test will be skipped"; fi

# The whole suite, on SQLite and on the machine's Postgres (started if it is down).
test: $(STAMP) $(NODE_STAMP)
	scripts/ensure-postgres
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache tests/node/node_modules
