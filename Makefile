# Two environments: the Rasa engine on Python 3.10 (.venv-rasa, pinned in requirements-rasa.txt)
# and the app (actions, data layer, tests) on Python >= 3.11 (.venv, pyproject.toml + lock).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
RASA_VENV := .venv-rasa
APP := $(VENV)/.installed
ENGINE := $(RASA_VENV)/.installed
SPACY := models/spacy-gm/meta.json
MODEL := models/welfare.tar.gz
MODEL_INPUTS := domain.yml config.yml $(shell find data -type f -name '*.yml') \
	$(wildcard engine/*.py engine/patches/*.py) $(SPACY) \
	bot/crisis/normalise.py content/crisis/keep_words.txt bot/places/gazetteer.yml

export PYTHONPATH := $(CURDIR)
export ACTION_SERVER_URL ?= http://127.0.0.1:5055/webhook
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help setup train spacy migrate run run-prod shell test test-unit test-engine test-rasa test-e2e test-unpatched lint format clean chromium bench nlu-cv content-report load

help:
	@echo "make run    set up, train if needed, migrate, start the assistant"
	@echo "make test   set up, train, run every test (what CI runs)"
	@echo "make shell  talk to the assistant in this terminal"

setup: $(APP) $(ENGINE)

$(APP): pyproject.toml requirements.lock
	@echo "==> App environment (Python >= 3.11) in $(VENV)"
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 needed"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --progress-bar on -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e .
	@touch $@

$(ENGINE): requirements-rasa.txt scripts/find_python310.sh
	@echo "==> Rasa engine environment (Python 3.10) in $(RASA_VENV)"
	PY310="$$(scripts/find_python310.sh)" && "$$PY310" -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --quiet --upgrade pip wheel
	$(RASA_VENV)/bin/pip install --progress-bar on -r requirements-rasa.txt
	@touch $@

spacy: $(SPACY)
$(SPACY): bot/places/gazetteer.yml engine/build_spacy.py $(ENGINE)
	@echo "==> Building the spaCy place pipeline from the gazetteer"
	$(RASA_VENV)/bin/python -m engine.build_spacy models/spacy-gm

train: $(MODEL)
$(MODEL): $(MODEL_INPUTS) $(ENGINE)
	@echo "==> Training the model (domain, config or data changed)"
	$(RASA_VENV)/bin/rasa train --fixed-model-name welfare --out models
	@touch $@

migrate: $(APP)
	@echo "==> Applying database migrations"
	$(VENV)/bin/python -m bot.store.migrate

run: setup train migrate
	scripts/run.sh

# The production profile (docs/deploy.md): PostgreSQL (DATABASE_URL), Redis (REDIS_URL),
# SECRET_KEY; two gateway workers, two engine workers, the action server.
run-prod: setup train migrate
	scripts/run_prod.sh

shell: setup train migrate
	scripts/shell.sh

# Lint, format and types: ruff over everything; mypy over the app's code with the app's Python
# and over engine/ with the engine's (Rasa 3.6 needs 3.10).
lint: $(APP) $(ENGINE)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot actions
	$(RASA_VENV)/bin/mypy engine --python-version 3.10

format: $(APP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

# Browser tests drive Debian's chromium through Playwright (which cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "==> Installing chromium for the browser tests"; \
		apt-get update -q && apt-get install -y -q chromium; }

# On both cores: each test file goes to one worker whole (its module fixtures start once).
TEST_WORKERS ?= 2
test-unit: $(APP) chromium
	$(VENV)/bin/pytest -m "not e2e" -q -n $(TEST_WORKERS) --dist loadfile

# The engine's own tests (engine/: patches, policies, response generator, components) run with
# the engine's Python; each compares what ours does with Rasa's own code.
test-engine: $(MODEL)
	@echo "==> Engine extensions give Rasa's own answers$(if $(filter off,$(ENGINE_PATCHES)), (patches off))"
	$(RASA_VENV)/bin/python -m pytest tests/engine -q --confcutdir=tests/engine -p no:cacheprovider \
		-W ignore::DeprecationWarning

test-rasa: $(MODEL)
	@echo "==> rasa data validate"
	$(RASA_VENV)/bin/rasa data validate --fail-on-warnings
	@echo "==> Held-out NLU test (never trained on)"
	rm -rf results/nlu
	$(RASA_VENV)/bin/rasa test nlu --nlu tests/nlu --model $(MODEL) --out results/nlu
	$(VENV)/bin/python scripts/check_nlu.py results/nlu --min-f1 0.96
	@echo "==> Held-out NLU test paraphrased from public forums (never trained on)"
	rm -rf results/nlu-real
	$(RASA_VENV)/bin/rasa test nlu --nlu tests/nlu_real --model $(MODEL) --out results/nlu-real
	$(VENV)/bin/python scripts/check_nlu.py results/nlu-real --min-f1 0.93
	@echo "==> Dialogue test stories"
	rm -rf results/core
	$(RASA_VENV)/bin/rasa test core --stories tests/stories --model $(MODEL) \
		--out results/core --fail-on-prediction-errors

test-e2e: $(APP) $(MODEL)
	$(VENV)/bin/pytest -m e2e -q

test: setup lint test-unit test-engine test-rasa test-e2e
	@echo "All tests passed."

# The same engine, dialogue and end-to-end tests with every engine patch switched off (slower):
# "does this happen without our patches?" in one command.
test-unpatched: $(APP) $(MODEL)
	ENGINE_PATCHES=off $(MAKE) test-engine test-rasa test-e2e

# How the classifier was chosen: 5-fold cross-validation on the training data only (the
# held-out tests/nlu stays unseen). Edit config.yml, run this, compare the macro-F1.
nlu-cv: $(APP) $(ENGINE) $(SPACY)
	rm -rf results/nlu-cv
	$(RASA_VENV)/bin/rasa test nlu --nlu data/nlu --config config.yml --cross-validation \
		--folds 5 --out results/nlu-cv
	$(VENV)/bin/python scripts/check_nlu.py results/nlu-cv --report-only

# Ours (config.yml) against Rasa's default pipeline, side by side (bench/README.md).
# QUICK=1: a smoke run of the same code; REUSE=1: reuse an identical earlier reference training.
bench: $(APP) $(ENGINE) $(SPACY)
	$(VENV)/bin/python -m bench.run $(if $(QUICK),--quick) $(if $(REUSE),--reuse-reference) \
		$(BENCH_ARGS)

# Web chat conversations by USERS people at once for DURATION seconds on the production profile
# (a fresh PostgreSQL database and Redis namespace, two engine workers, two gateway processes),
# Locust on loopback; writes bench/results/load.json and exits 1 when a target is missed
# (bench/README.md, "Load"). `make test-e2e` runs a 30-second version (tests/load/). THINK is
# the seconds a person takes between a reply and their next message ("3 15"; "1 4" is harder).
USERS ?= 200
DURATION ?= 300
THINK ?= 3 15
load: $(APP) $(MODEL)
	$(VENV)/bin/python -m bench.loadtest --users $(USERS) --duration $(DURATION) \
		--think $(THINK) $(LOAD_ARGS)

# Every welfare answer (content/answers/) with its sources, checked date, length and reading age;
# flags answers not checked for six months. CONTENT_REPORT_ARGS=--fail-stale exits 1 on those.
content-report: $(APP)
	$(VENV)/bin/python scripts/content_report.py $(CONTENT_REPORT_ARGS)

clean:
	rm -rf models results var/*.db

# The crisis detector (bot/crisis/) is trained from content/crisis/training.yml and the word list
# content/crisis/keep_words.txt into content/crisis/model.json.gz, which is committed: run this
# after editing either (a test fails while the model is older than them).
.PHONY: crisis-model
crisis-model: $(ENGINE)
	$(RASA_VENV)/bin/python scripts/train_crisis.py
