# Every target sets itself up: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Where `make run` keeps its data, and which site it crawls (override for a mirror).
DB       ?= data/tintuc.db
SITE_URL ?= https://baotintuc.vn

.PHONY: help install run test clean

help:
	@echo "make run    crawl baotintuc.vn once into $(DB)"
	@echo "make test   run the whole test suite"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tintuc crawl --db $(DB) --site-url $(SITE_URL)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
