# The two set-up commands of the README:
#   make sample   runs dmarc-agent on the sample reports the repository ships (no cluster needed);
#                 its last line is the path of the owner's report, dmarc-out/report.html
#   make test     runs every test, including integration tests on a real OpenSearch node it starts
.PHONY: sample test build bench fuzz lint

# The version `dmarc-agent version` prints: the nearest tag, commits since,
# the commit, and -dirty for uncommitted changes (the commit alone when there
# is no tag; "dev" outside a git checkout).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

sample:
	go run ./cmd/dmarc-agent ingest --out ./dmarc-out testdata/samples

test:
	bash scripts/test.sh

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/dmarc-agent/dmarc-agent/internal/cli.Version=$(VERSION)" -o bin/dmarc-agent ./cmd/dmarc-agent

bench:
	bash scripts/bench.sh

fuzz:
	FUZZTIME=60s bash scripts/fuzz.sh

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...
