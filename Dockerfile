# syntax=docker/dockerfile:1
# The Aloft server image: one image for every server command (start, admin, engine, scheduler, webhook, operator,
# clusterresource, migrate), compiled JavaScript only, run as uid/gid 10001, ready for a read-only root filesystem.
#   docker build -t aloft:dev --build-arg ALOFT_BUILD=$(git rev-parse --short HEAD) .
# What the runtime stage holds is written by scripts/image-layout.mjs, which scripts/image-layout.e2e.test.ts runs and
# starts the server from (there is no docker on the test machines). docs/kubernetes.md, "The server image".
# Node 22 (LTS); the code supports Node >= 20.19 (package.json engines): --build-arg NODE_IMAGE=node:20-bookworm-slim.
ARG NODE_IMAGE=node:22-bookworm-slim

# Every workspace manifest and the lock, alone: the `npm ci` layers below are rebuilt only when dependencies change.
# (npm ci needs each workspace listed in the lock; the test checks that every packages/*/package.json is copied here.)
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/admin/package.json packages/admin/
COPY packages/cli/package.json packages/cli/
COPY packages/client/package.json packages/client/
COPY packages/console/package.json packages/console/
COPY packages/core/package.json packages/core/
COPY packages/engine/package.json packages/engine/
COPY packages/idl/package.json packages/idl/
COPY packages/kube/package.json packages/kube/
COPY packages/operator/package.json packages/operator/
COPY packages/platform/package.json packages/platform/
COPY packages/runner/package.json packages/runner/
COPY packages/sdk/package.json packages/sdk/
COPY packages/server/package.json packages/server/
COPY packages/testkit/package.json packages/testkit/

# build: all dependencies, generated flyteidl code (buf and protoc-gen-es from npm, no network), tsc, the console's
# vite build, then the runtime layout in /layout. Scripts are skipped at install (`prepare` would build before the
# sources are here); buf's and esbuild's install scripts only check their platform binary, run them anyway.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY --from=manifests /src/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild @bufbuild/buf esbuild
COPY . .
RUN npm run gen && npm run build && node scripts/image-layout.mjs /layout

# deps: production dependencies of @aloft/server and the packages it depends on (not the console's, bundled into its
# assets, nor the test kit's), without devDependencies and without the optional ones: tsx (an optional peer) and its
# esbuild load TypeScript modules, which the server image never does. better-sqlite3 is the one native
# module: a prebuilt binary when one can be downloaded for this Node and platform, else compiled here against the
# headers the Node image ships (npm_config_nodedir: node-gyp downloads none, for builders that reach only npm); the
# SQLite sources and the compile's intermediates are then removed (28 MB → 2.4 MB).
FROM ${NODE_IMAGE} AS deps
ENV npm_config_nodedir=/usr/local
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/aloft
COPY --from=manifests /src/ ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --workspace @aloft/server \
  && npm rebuild better-sqlite3 \
  && (cd node_modules/better-sqlite3 && rm -rf deps src build/deps build/Release/obj* build/Release/*.a) \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG ALOFT_BUILD=""
LABEL org.opencontainers.image.title="aloft" \
  org.opencontainers.image.description="Aloft: an ML workflow platform that speaks Flyte's wire protocol (flyteidl 1.16.5)" \
  org.opencontainers.image.revision="${ALOFT_BUILD}"
# The one account the image runs as, and the one directory it writes besides /tmp (mount a volume or an emptyDir).
RUN groupadd --system --gid 10001 aloft \
  && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/aloft --no-create-home --shell /usr/sbin/nologin aloft \
  && mkdir -p /var/lib/aloft \
  && chown 10001:10001 /var/lib/aloft \
  && chmod 0750 /var/lib/aloft
WORKDIR /opt/aloft
# Owned by root, read-only to the process: node_modules (with packages/*/node_modules and the workspace links), then the
# layout (package manifests, dist/, bin/, @aloft/idl's gen/, the console's dist/).
COPY --from=deps /opt/aloft/ ./
COPY --from=build /layout/ ./
# dataDir holds the SQLite database, local blobs, task logs and generated keys of `aloft start`/`aloft admin`; with
# PostgreSQL and S3 (the Helm chart) it holds only what those commands write locally. A container's loopback is
# reachable from nowhere, so the ports bind every interface: with authentication off the server then refuses to start
# unless told it is on a trusted network (--insecure-remote / ALOFT_SERVER__ALLOW_INSECURE_REMOTE=true).
ENV NODE_ENV=production \
  HOME=/var/lib/aloft \
  ALOFT_BUILD="${ALOFT_BUILD}" \
  ALOFT_DATA_DIR=/var/lib/aloft \
  ALOFT_SERVER__HOST=0.0.0.0
USER 10001:10001
# 8088 HTTP (API gateway, /console, /healthcheck, /metrics), 8089 gRPC; the engine's metrics 10254, the webhook 9443.
EXPOSE 8088 8089
ENTRYPOINT ["node", "/opt/aloft/packages/server/bin/aloft.mjs"]
CMD ["start"]
