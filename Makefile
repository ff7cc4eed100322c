# Every target sets itself up: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Where `make run` keeps its data, which site it crawls (override for a mirror), where it serves.
DB       ?= data/tintuc.db
OUT      ?= data/feeds
SITE_URL ?= https://baotintuc.vn
PORT     ?= 8080

.PHONY: help install run crawl demo test test-fast bench soak clean

help:
	@echo "make run    the service: crawl $(SITE_URL) every 30 min, serve feeds on http://127.0.0.1:$(PORT)/"
	@echo "make crawl  one crawl into $(DB)"
	@echo "make demo   offline demo: a replica of the site on loopback, the service, news arriving"
	@echo "make test   run the whole test suite (import layers, then every test)"
	@echo "make test-fast  the fast tier only: no crawl, no service (about 20 s)"
	@echo "make bench  benchmark every stage against its peer (~12 min; BENCH_QUICK=1: ~20 s), writes docs/benchmarks.md"
	@echo "make soak   the service for minutes against a failing, changing site (SOAK_SECONDS=300)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tintuc run --db $(DB) --out $(OUT) --site-url $(SITE_URL) --port $(PORT)

crawl: $(STAMP)
	$(BIN)/tintuc crawl --db $(DB) --site-url $(SITE_URL)

demo: $(STAMP)
	$(BIN)/python -m scripts.demo --port $(PORT)

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
