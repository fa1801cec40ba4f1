# syntax=docker/dockerfile:1
# Image of gardener-extension-shoot-flux: build with dev dependencies, run on a distroless Node
# base (no shell, no package manager) with production dependencies only, as a non-root user.
#
#   docker build -t gardener-extension-shoot-flux .
#   docker build --build-arg FLUX_VERSIONS="v2.9.2 v2.8.3" -t gardener-extension-shoot-flux .
#   docker build --build-arg FLUX_VERSIONS= -t gardener-extension-shoot-flux .   # no bundle baked in
#   docker build --build-arg FLUX_MANIFESTS_SOURCE=local \
#     --build-context flux-manifests-local=DIR -t gardener-extension-shoot-flux .  # offline: bundles from DIR
#
# Without a container registry (only Debian's archive), hack/build-image.sh builds the base images
# from Debian packages under the names the FROM lines use, then this file with buildah.
#
# The code targets Node >= 20.19 (package.json engines); the default base is Node 22, the oldest
# maintained LTS line, and NODE_MAJOR=20 builds the same image on Node 20. Build and runtime use
# the same Debian release, so the glibc is the same.
ARG NODE_MAJOR=22
ARG DEBIAN_RELEASE=bookworm
ARG DISTROLESS_DEBIAN=debian12

# --- build: compile TypeScript with the dev dependencies --------------------------------------
FROM node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- production dependencies only -------------------------------------------------------------
FROM node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim AS production-dependencies
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- Flux release bundles for air-gapped seeds ------------------------------------------------
# Each version's manifests.tar.gz of the Flux release, unpacked to /flux-manifests/<version>/, the
# layout --flux-manifests-base=DIR reads. Set FLUX_VERSIONS to the versions shoots may request
# (space separated; empty bakes none). Add versions later without rebuilding: see
# docs/deployment.md ("Air-gapped seeds").
#
# FLUX_MANIFESTS_SOURCE says where they come from:
# - download (default): FLUX_RELEASES_URL/<version>/manifests.tar.gz;
# - local: the build context "flux-manifests-local", a directory laid out like /flux-manifests
#   (<version>/ holding an unpacked manifests.tar.gz), for builds without network. It replaces
#   the empty stage of that name; without it every version is reported missing.
FROM scratch AS flux-manifests-local

FROM node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim AS flux-manifests
ARG FLUX_VERSIONS=v2.9.2
ARG FLUX_RELEASES_URL=https://github.com/fluxcd/flux2/releases/download
ARG FLUX_MANIFESTS_SOURCE=download
WORKDIR /flux-manifests
COPY --from=flux-manifests-local / /flux-manifests-local/
RUN case "${FLUX_MANIFESTS_SOURCE}" in \
      download|local) ;; \
      *) echo "FLUX_MANIFESTS_SOURCE must be download or local, not ${FLUX_MANIFESTS_SOURCE}" >&2; exit 1 ;; \
    esac && \
    for version in ${FLUX_VERSIONS}; do \
      mkdir -p "${version}" && \
      if [ "${FLUX_MANIFESTS_SOURCE}" = local ]; then \
        cp -R "/flux-manifests-local/${version}/." "${version}/" || \
          { echo "Flux ${version} is not in the flux-manifests-local build context (--build-context flux-manifests-local=DIR with DIR/${version}/)" >&2; exit 1; }; \
      else \
        node -e 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) throw new Error(`GET ${r.url}: HTTP ${r.status}`); process.stdout.write(Buffer.from(await r.arrayBuffer())); })' \
          "${FLUX_RELEASES_URL}/${version}/manifests.tar.gz" > "/tmp/${version}.tar.gz" && \
        tar -xzf "/tmp/${version}.tar.gz" -C "${version}" && \
        rm "/tmp/${version}.tar.gz"; \
      fi && \
      test -f "${version}/source-controller.yaml" || exit 1; \
    done

# --- runtime ----------------------------------------------------------------------------------
FROM gcr.io/distroless/nodejs${NODE_MAJOR}-${DISTROLESS_DEBIAN}:nonroot AS runtime
LABEL org.opencontainers.image.title="gardener-extension-shoot-flux" \
      org.opencontainers.image.description="Gardener extension that bootstraps Flux into shoot clusters" \
      org.opencontainers.image.source="https://github.com/gardener-extension-shoot-flux/gardener-extension-shoot-flux" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=production-dependencies /src/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
COPY --from=flux-manifests /flux-manifests /flux-manifests
ENV NODE_ENV=production
# The distroless "nonroot" user; numeric, so runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli/main.js"]
CMD ["run", "--flux-manifests-base=/flux-manifests,https://github.com/fluxcd/flux2/releases/download"]
