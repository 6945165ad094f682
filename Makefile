# Wasmart. `make run` starts the product with a demo shop; `make test` runs
# the whole suite. Both install what they need (Debian packages, Go modules).

GO        ?= go
BIN       := bin/wasmart
DATA_DIR  ?= data
ADDR      ?= :8080
GOFLAGS_TEST ?= -race -count=1 -timeout 30m
PKGS      ?= ./...
# staticcheck runs from the module proxy at this pinned version (go run
# caches the build), so `make lint` needs nothing installed by hand.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Debian packages the project needs: PostgreSQL for the tests' second
# engine, Chromium for the browser tests, wabt (wat2wasm) for hand-written
# test plugins.
DEB_PACKAGES := postgresql chromium wabt

.PHONY: all build run test bench lint deps plugins clean

all: build

deps:
	@missing=""; \
	command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v wat2wasm >/dev/null 2>&1 || missing="$$missing wabt"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# First-party plugins, built from Go sources to .wasm with their manifests.
plugins:
	$(GO) run ./plugins/cmd/build-firstparty -o $(DATA_DIR)/plugins

build: plugins
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/wasmart

run: build
	$(BIN) serve --demo --addr $(ADDR) --data-dir $(DATA_DIR)

test: deps plugins
	WASMART_REQUIRE_PG=1 $(GO) test $(GOFLAGS_TEST) $(PKGS)

bench: deps plugins
	WASMART_REQUIRE_PG=1 $(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m $(PKGS) | tee bench.txt

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin bench.txt
