# ReasonKit Desktop. The two commands a newcomer needs:
#   make run    set up, build and open the desktop app (local defaults)
#   make test   set up and run the whole test suite
# One build-tag set everywhere (changing tags rebuilds SQLite's C code).
TAGS      := sqlite_fts5
APP_TAGS  := desktop,production,$(TAGS)
BIN       := build/bin/reasonkit
GOFLAGS_BUILD := -trimpath -ldflags "-s -w"

.PHONY: run build setup setup-test test test-go bench frontend clean

run: build
	$(BIN)

build: setup frontend
	go build -tags $(APP_TAGS) $(GOFLAGS_BUILD) -o $(BIN) .
	@echo "built $(BIN) — run it with no arguments for the window, or '$(BIN) help' for the CLI"

setup:
	scripts/setup.sh build

setup-test:
	scripts/setup.sh test

frontend:
	cd frontend && npm run build

test: setup-test frontend
	scripts/test.sh

test-go:
	scripts/test.sh go

bench: setup-test
	go test -tags $(TAGS) -run '^$$' -bench . -benchmem ./internal/...

clean:
	rm -rf build/bin frontend/dist
