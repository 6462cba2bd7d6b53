# syntax=docker/dockerfile:1
# Dockerfile — smooth-operator-server in a Debian 12 container.
#
#   docker build -t smooth-operator .
#   docker run --rm -p 8787:8787 smooth-operator
#   docker stop -t 40 <container>     # SIGTERM drains turns for up to 25 s (see below)
#
# Two stages: `build` installs the toolchain with scripts/setup, builds the two binaries
# (tests and benchmarks off) and the .deb with scripts/package; the runtime stage installs
# only that .deb, so apt pulls exactly its runtime libraries (its Depends). The server runs
# as the package's unprivileged `smooth-operator` user. Configure it with -e or
# --env-file (the package's /etc/smooth-operator/smooth-operator.env lists every variable
# with its default; docs/operations.md explains them).
#
# Not tested in this repository's CI (no Docker there): .ci/run tests the same .deb
# with scripts/package-smoke instead.

# ---- build ------------------------------------------------------------------------------
FROM debian:12 AS build
WORKDIR /src
# Only the package list first: this layer is rebuilt only when scripts/setup changes.
# (scripts/setup also installs the test-only packages; they never reach the runtime image.)
COPY scripts/setup scripts/setup
RUN scripts/setup && rm -rf /var/lib/apt/lists/*
COPY . .
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSO_BUILD_TESTS=OFF -DSO_BUILD_BENCH=OFF \
 && scripts/package build >/tmp/deb-path \
 && cp "$(cat /tmp/deb-path)" /tmp/smooth-operator.deb

# ---- runtime ----------------------------------------------------------------------------
FROM debian:12-slim
COPY --from=build /tmp/smooth-operator.deb /tmp/smooth-operator.deb
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      /tmp/smooth-operator.deb ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/smooth-operator.deb

# In a container the server must listen on every interface (the default is 127.0.0.1).
# Auth is off until configured (docs/security.md): set AUTH_* / SMOOTH_AGENT_AUTH_MODE
# before publishing the port beyond your machine.
ENV SMOOTH_AGENT_BIND=0.0.0.0 \
    SMOOTH_AGENT_PORT=8787
USER smooth-operator
WORKDIR /var/lib/smooth-operator
EXPOSE 8787
# GET /health answers "ok" while the listener runs (bash's /dev/tcp: no curl in the image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SMOOTH_AGENT_PORT:-8787} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && grep -qx ok <&3"]
# SIGTERM drains: turns in flight may finish for SMOOTH_AGENT_DRAIN_TIMEOUT_SECS (25 s),
# then the server exits 0. Give `docker stop -t` / Compose `stop_grace_period` /
# Kubernetes `terminationGracePeriodSeconds` more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/smooth-operator-server"]
