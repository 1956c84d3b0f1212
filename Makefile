# The two set-up commands of the README:
#   make sample   runs dmarc-agent on the sample reports the repository ships (no cluster needed);
#                 its last line is the path of the owner's report, dmarc-out/report.html
#   make test     runs every test, including integration tests on a real OpenSearch node it starts
.PHONY: sample test build bench fuzz lint

sample:
	go run ./cmd/dmarc-agent ingest --out ./dmarc-out testdata/samples

test:
	bash scripts/test.sh

build:
	CGO_ENABLED=0 go build -trimpath -o bin/dmarc-agent ./cmd/dmarc-agent

bench:
	bash scripts/bench.sh

fuzz:
	FUZZTIME=60s bash scripts/fuzz.sh

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...
