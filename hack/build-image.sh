#!/usr/bin/env bash
# Builds the image from the unchanged Dockerfile with buildah, on a machine that reaches no
# container registry: the base images come from hack/build-base-images.sh (pulled when possible,
# else built from Debian packages), and the Flux bundles from a local directory when given.
#
#   hack/build-image.sh [--tag IMAGE] [--flux-manifests DIR] [-- BUILDAH_BUILD_ARGS...]
#
# --tag             the image name (default $IMAGE, else localhost/gardener-extension-shoot-flux:dev)
# --flux-manifests  bake the Flux bundles of DIR instead of downloading them: DIR/<version>/ holds
#                   the unpacked manifests.tar.gz of that release (the --flux-manifests-base=DIR
#                   layout; symlinks are followed). Every version in DIR is baked.
#
# The Node major and Debian release default to what Debian ships (NODE_MAJOR=20,
# DEBIAN_RELEASE=trixie, DISTROLESS_DEBIAN=debian13), so both bases can be built from Debian
# packages. Layers are cached in buildah's storage (/var/lib/containers for root), so a rebuild
# after a source change repeats only `npm run build` and the steps after it. Prints the build
# time and the image size.
set -euo pipefail
cd "$(dirname "$0")/.."

export NODE_MAJOR=${NODE_MAJOR:-20} DEBIAN_RELEASE=${DEBIAN_RELEASE:-trixie} DISTROLESS_DEBIAN=${DISTROLESS_DEBIAN:-debian13}
image=${IMAGE:-localhost/gardener-extension-shoot-flux:dev}
flux_manifests=
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tag)
      image=${2:?--tag needs an image name}
      shift 2
      ;;
    --flux-manifests)
      flux_manifests=${2:?--flux-manifests needs a directory}
      shift 2
      ;;
    --)
      shift
      extra=("$@")
      break
      ;;
    *)
      echo "usage: $0 [--tag IMAGE] [--flux-manifests DIR] [-- BUILDAH_BUILD_ARGS...]" >&2
      exit 2
      ;;
  esac
done

log() { printf '[build-image] %s\n' "$*" >&2; }

started=$(date +%s)
bash hack/build-base-images.sh
bases_done=$(date +%s)

# shellcheck source=hack/container-engine.sh
. hack/container-engine.sh
args=(
  --layers --network=host "--runtime=$(container_runtime)"
  --build-arg "NODE_MAJOR=$NODE_MAJOR" --build-arg "DEBIAN_RELEASE=$DEBIAN_RELEASE"
  --build-arg "DISTROLESS_DEBIAN=$DISTROLESS_DEBIAN"
)
mapfile -t ulimits < <(container_ulimits)
args+=("${ulimits[@]}")

work=$(mktemp -d "${TMPDIR:-/tmp}/shoot-flux-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "$flux_manifests" ]; then
  [ -d "$flux_manifests" ] || {
    log "--flux-manifests $flux_manifests is not a directory"
    exit 1
  }
  # A build context is copied as it is, so resolve the symlinks here (the test harness links
  # its bundle into a base directory).
  cp -RL "$flux_manifests" "$work/flux-manifests"
  versions=$(find "$work/flux-manifests" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' ')
  [ -n "$versions" ] || {
    log "--flux-manifests $flux_manifests has no <version>/ directory"
    exit 1
  }
  log "baking Flux ${versions% } from $flux_manifests"
  args+=(--build-arg FLUX_MANIFESTS_SOURCE=local --build-arg "FLUX_VERSIONS=${versions% }"
    --build-context "flux-manifests-local=$work/flux-manifests")
fi

log "buildah build -t $image (Node $NODE_MAJOR, Debian $DEBIAN_RELEASE)"
nice buildah build "${args[@]}" "${extra[@]}" --tag "$image" --file Dockerfile . >&2
size=$(buildah images --format '{{.Size}}' "$image" | head -1)
log "built $image in $(($(date +%s) - bases_done))s (base images $((bases_done - started))s): $size"
