# Every target sets itself up: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Overrides for `make run`, `make crawl` and `make demo`, e.g. `make run PORT=9000`: DB (the
# SQLite file), OUT (where feeds are published), SITE_URL (a mirror of the site), PORT. Unset,
# the program's own defaults apply (core/defaults.py; README, "Configuration").
options = $(if $(DB),--db $(DB)) $(if $(SITE_URL),--site-url $(SITE_URL))

.PHONY: help install run crawl demo test test-fast bench soak clean

help:
	@echo "make run    the service: watch baotintuc.vn for news, crawl it daily, serve feeds on http://127.0.0.1:8080/"
	@echo "make crawl  one crawl into data/tintuc.db"
	@echo "make demo   offline demo: a replica of the site on loopback, the service, news arriving"
	@echo "make test   run the whole test suite (import layers, then every test)"
	@echo "make test-fast  the fast tier only: no crawl, no service (about 20 s)"
	@echo "make bench  benchmark every stage against its peer (~10 min; BENCH_QUICK=1: ~1 min), writes docs/benchmarks.md"
	@echo "make soak   the service for minutes against a failing, changing site (SOAK_SECONDS=300)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tintuc run $(options) $(if $(OUT),--out $(OUT)) $(if $(PORT),--port $(PORT))

crawl: $(STAMP)
	$(BIN)/tintuc crawl $(options)

demo: $(STAMP)
	$(BIN)/python -m scripts.demo $(if $(PORT),--port $(PORT))

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -m "not e2e"

# Not part of `make test`: timings are read here, never asserted. Knobs: docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m bench

SOAK_SECONDS ?= 300
soak: $(STAMP)
	$(BIN)/python -m tests.soak --duration $(SOAK_SECONDS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
