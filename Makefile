# Two entry points (see README): `make build` builds the graph from the corpus, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORPUS ?= ../shared/corpus
OUT    ?= out
STAMP  := $(VENV)/.installed

.PHONY: build test lint docs clean bench

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# gbakg build exits 1 when the graph is written but has violations (they are in the report): that is a
# successful build for make; 2 (bad input or environment) fails.
build: $(STAMP)
	@$(BIN)/gbakg build --corpus $(CORPUS) --out $(OUT); code=$$?; \
	if [ $$code -eq 1 ]; then echo "(exit 1 from gbakg: the graph is written; read the violations in $(OUT)/report.md)"; fi; \
	[ $$code -le 1 ]

lint: $(STAMP)
	$(BIN)/ruff check gbakg tests benchmarks
	$(BIN)/mypy gbakg

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py --corpus $(CORPUS)

docs: $(STAMP)
	$(BIN)/python -m gbakg.docs --out docs
	-$(BIN)/gbakg build --corpus $(CORPUS) --out $(OUT) -q > /dev/null
	$(BIN)/gbakg export --graph $(OUT)/graph.ttl --view recognition --lang en --format png --out docs/recognition.png
	$(BIN)/gbakg export --graph $(OUT)/graph.ttl --view collaboration --lang en --format png --out docs/collaboration.png

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
