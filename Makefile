# Castline's front door. Every target sets itself up: a fresh machine needs nothing else.
PY_SYS ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.castline-installed
EXAMPLE := resources/examples/how-ssh-works/script.md
export QT_QPA_PLATFORM ?= offscreen

# Debian runtime libraries the stack loads: PortAudio for sounddevice, and what Qt's
# platform plugins need on a bare machine, and tesseract, with which the tests read text
# back from rendered frames; redis-server, the broker of `make workers` (the tests start
# their own on a free port).
DEB_PKGS := redis-server libportaudio2 libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 \
	libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 \
	libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 \
	libxcb-image0 libxcb-xkb1 libx11-xcb1 fonts-dejavu-core tesseract-ocr tesseract-ocr-eng

.PHONY: setup deps demo run test bench lint screenshots clean package package-test workers

setup: deps $(STAMP)

deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  missing=""; for p in $(DEB_PKGS); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) \
	      || echo "warning: could not install$$missing; audio or GUI features may be unavailable"; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

demo: setup
	@mkdir -p out
	$(PY) main.py render $(EXAMPLE) -o out/demo.mp4 --offline

run: setup
	QT_QPA_PLATFORM= $(PY) main.py studio $(EXAMPLE)

# The suite probes make demo's output against docs/youtube-delivery.md, so it renders it first.
test: demo
	$(PY) -m pytest

# A Redis and two workers on this machine, to try batches on workers:
#   castline batch SCRIPTS... -o out/batch --workers $(WORKERS_REDIS)
#   castline render SCRIPT -o out/video.mp4 --workers $(WORKERS_REDIS)   (one video in parallel)
# Ctrl+C stops them all. Each worker keeps its own database under out/workers/.
WORKERS_REDIS := redis://127.0.0.1:6379/0
workers: setup
	@command -v redis-server >/dev/null || { echo "redis-server is missing: run make deps as root"; exit 1; }
	@mkdir -p out/workers
	@trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	redis-server --port 6379 --bind 127.0.0.1 --dir $(CURDIR)/out/workers --appendonly yes --save "" & \
	until redis-cli -p 6379 ping >/dev/null 2>&1; do sleep 0.2; done; \
	for n in 1 2; do \
	  CASTLINE_DATA_DIR=$(CURDIR)/out/workers/w$$n $(PY) main.py worker --broker $(WORKERS_REDIS) --name w$$n & \
	done; \
	echo "Redis and two workers are running: batch with --workers $(WORKERS_REDIS); Ctrl+C stops them"; \
	wait

lint: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: setup
	$(PY) -m tests.bench

screenshots: setup
	@mkdir -p out/screenshots
	$(PY) -m app.ui.screenshots out/screenshots

# dist/castline/: the app in one folder, run as dist/castline/castline (what goes in: build/bundle.py).
package: setup
	$(PY) -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller-work build/castline.spec
	@du -sh dist/castline

# The bundle copied to a temporary folder and run with a clean environment: --version,
# an offline render of the example (probed), and the studio shown offscreen.
package-test: setup
	$(PY) build/package_test.py dist/castline

clean:
	rm -rf $(VENV) out dist build/pyinstaller-work .pytest_cache .mypy_cache .ruff_cache
