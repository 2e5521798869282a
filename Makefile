# Two commands: `make run` opens the app, `make test` runs every test (browser tests included);
# `make serve-class` serves a class from WORKERS processes behind HAProxy (README, "Serve it to a class").
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT   ?= 8501
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# Where students connect: `make run` on this machine only (.streamlit/config.toml), unless ADDRESS=0.0.0.0;
# `make serve-class` on every interface (the LAN), unless ADDRESS=127.0.0.1.
serve-class: ADDRESS ?= 0.0.0.0

.PHONY: run serve-class test lint bench bench-class screenshots chromium haproxy clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# glibc gives every script-run thread its own malloc arena, and a class's server memory then creeps up;
# two arenas keep it flat (bench/long_session.py)
run: $(STAMP)
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py $(if $(ADDRESS),--server.address $(ADDRESS)) \
	  --server.port $(PORT) --server.headless false

# WORKERS Streamlit processes on loopback ports, HAProxy on ADDRESS:PORT (serve/haproxy.cfg), in the
# foreground until Ctrl+C; a worker that dies is started again (serve/supervise.py).
serve-class: $(STAMP) haproxy
	$(BIN)/python serve/supervise.py --workers $(WORKERS) --port $(PORT) --address $(ADDRESS)

# Browser tests drive Debian's chromium (never a downloaded browser); install it when we can.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "Browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium'."; \
	  fi; \
	fi

# Debian's HAProxy balances `make serve-class` (and its browser test); install it when we can.
haproxy:
	@if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's haproxy for serve-class..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; \
	  else \
	    echo "serve-class needs HAProxy: run 'sudo apt-get install haproxy'."; \
	  fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) chromium haproxy lint
	$(BIN)/python -m pytest -q

bench: $(STAMP) chromium
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/engine_step.py
	$(BIN)/python bench/limits.py
	$(BIN)/python bench/landscape.py
	$(BIN)/python bench/browser_latency.py
	$(BIN)/python bench/play_rate.py

# one process vs workers behind HAProxy, 20 and 60 lock-step sessions: one summary table (a few minutes)
bench-class: $(STAMP) chromium haproxy
	$(BIN)/python bench/class_load.py --students --servers 0 1 2 --sessions 20 60

screenshots: $(STAMP) chromium
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
