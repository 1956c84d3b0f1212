# syntax=docker/dockerfile:1
# dmarc-agent container image: a static binary on a distroless, non-root base.
#
#   docker build -t dmarc-agent --build-arg VERSION=$(git describe --tags --always) .
#   docker run -d --name dmarc-agent --stop-timeout 45 \
#     -v $PWD/config.yaml:/etc/dmarc-agent/config.yaml:ro \
#     -v dmarc-data:/var/lib/dmarc-agent -p 127.0.0.1:9464:9464 dmarc-agent
#
# See docs/operations.md.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so that source edits do not re-download them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X github.com/dmarc-agent/dmarc-agent/internal/cli.Version=${VERSION}" \
      -o /out/dmarc-agent ./cmd/dmarc-agent \
 && mkdir -p /out/var/lib/dmarc-agent/incoming /out/etc/dmarc-agent

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="dmarc-agent" \
      org.opencontainers.image.description="DMARC aggregate, failure and SMTP TLS reports to OpenSearch" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/dmarc-agent /usr/local/bin/dmarc-agent
# Owned by the image's non-root user (65532), so that a new named volume
# mounted there is writable; it starts with the default drop folder
# incoming/ (sources.dir.path), which must exist when the agent starts. A
# bind mount must bring its own incoming/.
COPY --from=build --chown=65532:65532 /out/var/lib/dmarc-agent /var/lib/dmarc-agent
COPY --from=build --chown=65532:65532 /out/etc/dmarc-agent /etc/dmarc-agent
USER 65532:65532
# Relative paths in the configuration (state files, dmarc-archive/, dmarc-out/,
# the Gmail token) land in the data volume.
WORKDIR /var/lib/dmarc-agent
VOLUME ["/etc/dmarc-agent", "/var/lib/dmarc-agent"]
# The environment overrides the configuration file: the listener must accept
# connections from outside the container. Publish it on the host's loopback
# only unless something else needs it.
# (Set DMARC_AGENT_HTTP__LISTEN yourself to change it; http.listen in the
# file is overridden by this variable.)
ENV DMARC_AGENT_HTTP__LISTEN=0.0.0.0:9464
EXPOSE 9464
# distroless has no shell or curl: the binary checks its own /healthz
# (it finds the port in DMARC_AGENT_HTTP__LISTEN).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/dmarc-agent", "healthcheck", "--timeout", "5s"]
# SIGTERM starts a clean stop: in-flight reports finish within
# pipeline.shutdown_grace (30s by default), so give `docker stop` more time
# (--stop-timeout 45, or stop_grace_period: 45s in compose).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/dmarc-agent"]
CMD ["run", "--config", "/etc/dmarc-agent/config.yaml"]
