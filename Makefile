# LanIM: build, run, test, package. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:

GO ?= go
# mattn/go-sqlite3 compiles FTS5 in only with this tag; every go command below passes it.
GOTAGS := sqlite_fts5
# Unit tests of app/ and ui/ also get `ci`: Fyne's headless software driver instead of GLFW/go-gl, so they
# need no display (and skip the 3-minute go-gl cgo build). The real window is the Xvfb smoke test's job.
UI_TEST_TAGS := $(GOTAGS),ci

BIN := bin/lanim
# The version every build and package carries, from git (scripts/version.sh): `lanim --version` prints it.
VERSION := $(shell scripts/version.sh)
LDFLAGS := -X lanim/app.version=$(VERSION)
ARGS ?=

TEST_TIMEOUT ?= 10m
E2E_TIMEOUT ?= 15m

# Test package sets, given as directories; a directory that does not exist yet is skipped. node/ and
# replication/ (concurrent by nature) run under the race detector; the e2e package has a run of its own.
RACE_DIRS := node replication
UNIT_DIRS := app ui assets bench
pkgs = $(strip $(foreach d,$(1),$(if $(wildcard $(d)),./$(d)/...)))
RACE_PKGS := $(call pkgs,$(RACE_DIRS))
UNIT_PKGS := $(call pkgs,$(UNIT_DIRS))
E2E_PKGS := ./test/e2e/...

# The parts of `make test` that run in parallel after vet, each a target below. The JS client compatibility
# suite (test/js, the real @openim/client-sdk under Node) is test-js; the official SDK core's (test/wasm, its
# WASM build in headless Chromium) is test-wasm.
TEST_PARTS := test-race test-unit test-e2e test-gui test-js test-wasm

# deps.sh installs protoc-gen-go and the fyne CLI into GOBIN (default GOPATH/bin); put it on PATH.
GOBIN_DIR := $(or $(shell $(GO) env GOBIN 2>/dev/null),$(shell $(GO) env GOPATH 2>/dev/null)/bin)
export PATH := $(GOBIN_DIR):$(PATH)

# The top-level make runs its prerequisites in order (deps before build before tests) even under -j; the
# sub-make in `test` runs TEST_PARTS in parallel on purpose.
ifeq ($(MAKELEVEL),0)
.NOTPARALLEL:
endif

.PHONY: help deps deps-build deps-package deps-package-windows build run node vet test $(TEST_PARTS) bench bench-growth proto \
	package-linux package-windows package-deb package-windows-installer test-package test-upgrade clean

help:
	@echo 'make run               the app with an embedded node (ARGS="..." passed to bin/lanim)'
	@echo 'make node              a headless node: bin/lanim node $$ARGS'
	@echo 'make test              vet, unit tests (race detector on node/ and replication/), e2e tests, GUI smoke test'
	@echo 'make build             bin/lanim'
	@echo 'make bench             load benchmark of real nodes into docs/benchmarks.md (BENCH_ARGS=-quick)'
	@echo 'make bench-growth      the same with the growth curve to 1,000,000 stored messages (about 10 minutes more)'
	@echo 'make proto             regenerate node/pb'
	@echo 'make package-linux     dist/LanIM.tar.xz'
	@echo 'make package-deb       dist/lanim_<version>_amd64.deb'
	@echo 'make package-windows   dist/LanIM.exe (cross-built with mingw-w64)'
	@echo 'make package-windows-installer  dist/LanIM-<version>-setup.exe (NSIS)'
	@echo 'make test-package      CI, as root: the .deb installs, upgrades and purges with apt'
	@echo 'make test-upgrade      CI: nodes of an older build (UPGRADE_FROM), then of this one, on the same data dirs'
	@echo 'make deps              install missing build/test dependencies'
	@echo 'make clean'

deps:
	@scripts/deps.sh

deps-build:
	@scripts/deps.sh --build

deps-package:
	@scripts/deps.sh --package

deps-package-windows:
	@scripts/deps.sh --package --windows

# build installs (or names) the cgo headers it needs first: without them a fresh machine fails deep in
# the C compiler. A full `make deps` (run, test) covers them too, and the check then takes milliseconds.
build: deps-build
	$(GO) build -tags $(GOTAGS) -ldflags '$(LDFLAGS)' -o $(BIN) .

run: deps build
	./$(BIN) $(ARGS)

node: deps build
	./$(BIN) node $(ARGS)

vet:
	$(GO) vet -tags $(GOTAGS) ./...

test: deps build vet
	@echo "running $(TEST_PARTS) in parallel; each part's output is printed when it finishes"
	@$(MAKE) --no-print-directory --keep-going --jobs=$(words $(TEST_PARTS)) --output-sync=target $(TEST_PARTS)
	@echo "make test: all parts passed"

test-race:
ifneq ($(RACE_PKGS),)
	$(GO) test -tags $(GOTAGS) -race -count=1 -timeout $(TEST_TIMEOUT) $(RACE_PKGS)
else
	@echo "test-race: no packages in $(RACE_DIRS) yet"
endif

test-unit:
ifneq ($(UNIT_PKGS),)
	$(GO) test -tags $(UI_TEST_TAGS) -count=1 -timeout $(TEST_TIMEOUT) $(UNIT_PKGS)
else
	@echo "test-unit: no packages in $(UNIT_DIRS) yet"
endif

# The e2e tests start real bin/lanim processes on 127.0.0.1 (built by `make build`, which `test` runs first).
test-e2e:
	LANIM_BIN=$(CURDIR)/$(BIN) $(GO) test -tags $(GOTAGS) -count=1 -timeout $(E2E_TIMEOUT) $(E2E_PKGS)

# The official OpenIM JS client (@openim/client-sdk, installed by deps.sh from test/js's lock file)
# against a real bin/lanim node: every scenario asserts the SDK's callbacks.
test-js:
	cd test/js && LANIM_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1 --test-force-exit --test-timeout=120000 suite/

# The official OpenIM SDK core (@openim/wasm-client-sdk, the Go core compiled to WASM; installed by deps.sh
# with Debian's chromium) in headless Chromium driven by puppeteer-core: one page per user, against one real
# node (chat) and a 3-node office (office), the two files one after the other to spare the 2-core CI.
# WASM_ROUTES=dir records the REST routes and errCodes the core used; `node test/wasm/routes-doc.mjs dir`
# turns them into docs/sdk-core-routes.md.
WASM_ROUTES ?=
test-wasm:
	cd test/wasm && LANIM_BIN=$(CURDIR)/$(BIN) LANIM_WASM_ROUTES_DIR=$(WASM_ROUTES) \
		node --test --test-concurrency=1 --test-force-exit --test-timeout=600000 suite/

# The desktop app's smoke test (test/gui): two real bin/lanim windows on Xvfb, side by side on a
# 2200-pixel screen, driven with xdotool and checked through the node's API; screenshots go to GUI_SHOTS.
GUI_SHOTS ?= $(CURDIR)/tmp/gui-smoke
test-gui:
	@mkdir -p $(GUI_SHOTS)
	LANIM_GUI_SMOKE=1 LANIM_BIN=$(CURDIR)/$(BIN) LANIM_SCREENSHOTS=$(GUI_SHOTS) LANG=en_US.UTF-8 \
		xvfb-run -a -s "-screen 0 2200x760x24" $(GO) test -tags $(GOTAGS) -count=1 -timeout $(E2E_TIMEOUT) ./test/gui/...

# The load generator (`lanim bench`, package bench): real nodes on 127.0.0.1, real WS clients, and
# the official JS SDK (test/js) for the login sync; it writes docs/benchmarks.md (its hand-written
# notes section is kept). BENCH_ARGS=-quick for a short smoke run (it rewrites the figures too);
# BENCH_ARGS="-only loginsync -out /tmp/b.md" for one scenario. bench-growth takes the growth curve
# to a million stored messages (filling them takes about 8 minutes). Not part of `make test`.
BENCH_ARGS ?=
bench: deps build
	@mkdir -p docs
	./$(BIN) bench -out docs/benchmarks.md $(BENCH_ARGS)

bench-growth: deps build
	@mkdir -p docs
	./$(BIN) bench -growth -out docs/benchmarks.md $(BENCH_ARGS)

proto: deps
	bash node/pb/generate.sh

# `fyne package` builds the binaries (with -trimpath and -s -w under --release) from FyneApp.toml, on a copy
# of the tree so it cannot rewrite FyneApp.toml; VERSION goes in as -X and --app-version (scripts/package-fyne.sh).
package-linux: deps-package
	scripts/package-fyne.sh linux

package-windows: deps-package-windows
	scripts/package-fyne.sh windows

# dpkg-deb, offline, from package-linux's binary and .desktop file (scripts/package-deb.sh).
package-deb: package-linux
	scripts/package-deb.sh dist/LanIM.tar.xz $(VERSION)

# NSIS, from package-windows's LanIM.exe (scripts/package-windows-installer.sh, packaging/windows/lanim.nsi).
package-windows-installer: package-windows
	scripts/package-windows-installer.sh dist/LanIM.exe

# CI runs these two after `make test` (.ci/run, which also fails when packaging changed the tree).
# test-package builds the .deb, installs it with apt (as root), upgrades it, purges it and checks that nothing
# but the user's data is left (scripts/test-deb.sh). test-upgrade builds UPGRADE_FROM (a fixed commit of main,
# standing for the previous release; move it to the last release once one is tagged) and runs test/e2e's
# upgrade test, which fails, not skips, when that build fails.
UPGRADE_FROM ?= 69be81494743b7ced8300a7d2c04e6edf84394c2
test-package: package-deb
	scripts/test-deb.sh dist/lanim_$(VERSION)_amd64.deb

test-upgrade: build
	LANIM_BIN=$(CURDIR)/$(BIN) LANIM_UPGRADE_FROM=$(UPGRADE_FROM) \
		$(GO) test -tags $(GOTAGS),upgrade -count=1 -timeout $(E2E_TIMEOUT) -run '^TestUpgrade' $(E2E_PKGS)

clean:
	rm -rf bin dist tmp LanIM.tar.xz LanIM.exe tmp-pkg fyne_metadata_init.go FyneApp.ico
