#!/usr/bin/env bash
# Provides the two base images the Dockerfile builds FROM, under the exact names its FROM lines
# use, in buildah's/podman's local storage:
#
#   build:   docker.io/library/node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim
#   runtime: gcr.io/distroless/nodejs${NODE_MAJOR}-${DISTROLESS_DEBIAN}:nonroot
#
#   hack/build-base-images.sh [--rebuild]
#
# An image already in local storage is used as it is (--rebuild replaces images this script
# built). A missing one is pulled; when no container registry is reachable (as on the
# development and CI machines of this project, which reach Debian's archive but no registry) it
# is built from Debian packages with mmdebstrap instead, shaped like the upstream image:
#
# - build: Debian minbase with nodejs, and npm $NPM_VERSION from the npm registry (`npm pack`
#   here), laid out as the official node image has it. Debian's own npm would bring 340 node-*
#   packages and double the cold build. Plus the CA certificates this host added under
#   /usr/local/share/ca-certificates, so that `npm ci` in the build works behind the same
#   TLS-inspecting proxy the host works behind. This image never ships.
# - runtime: distroless-like. The packages nodejs, ca-certificates, base-files, netbase and tzdata
#   with their dependencies are unpacked without running any maintainer script (mmdebstrap's
#   "extract" variant), so there is no shell, no package manager and no dpkg; node is at
#   /nodejs/bin/node as in distroless, and /etc/passwd has distroless's users (root, nobody,
#   nonroot = 65532). The script fails if a shell ended up in it.
#
# Environment: NODE_MAJOR (20), DEBIAN_RELEASE (trixie), DISTROLESS_DEBIAN (debian13), which must
# name a Debian release whose nodejs package has that major (trixie ships Node 20.19);
# NPM_VERSION (10.9.9); DEBIAN_MIRROR (http://deb.debian.org/debian); BASE_IMAGES=auto (default: local, else pull, else
# Debian), pull (never build) or debian (never pull).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_MAJOR=${NODE_MAJOR:-20}
DEBIAN_RELEASE=${DEBIAN_RELEASE:-trixie}
DISTROLESS_DEBIAN=${DISTROLESS_DEBIAN:-debian13}
NPM_VERSION=${NPM_VERSION:-10.9.9}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_IMAGES=${BASE_IMAGES:-auto}
rebuild=false
for arg in "$@"; do
  case "$arg" in
    --rebuild) rebuild=true ;;
    *)
      echo "usage: $0 [--rebuild]" >&2
      exit 2
      ;;
  esac
done

build_image=docker.io/library/node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim
runtime_image=gcr.io/distroless/nodejs${NODE_MAJOR}-${DISTROLESS_DEBIAN}:nonroot
# Marks images this script built, so --rebuild never replaces a pulled upstream image.
origin_label=io.github.gardener-extension-shoot-flux.base-image
cache=${SHOOT_FLUX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gardener-extension-shoot-flux}/base-images

log() { printf '[base-images] %s\n' "$*" >&2; }

for tool in buildah; do
  command -v "$tool" >/dev/null 2>&1 || {
    log "$tool is missing; run npm run system-packages (as root on Debian) or install it"
    exit 1
  }
done

is_present() { buildah inspect --type image "$1" >/dev/null 2>&1; }
origin_of() { buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$origin_label\"}}" "$1" 2>/dev/null || true; }

# Writes the mmdebstrap customize hook of one image kind to stdout. The hook runs on the host
# with the unpacked root file system as $1.
customize_hook() {
  local kind=$1
  cat <<'HOOK'
#!/bin/sh
set -eu
root=$1
# Keep licences, drop the rest of the documentation.
find "$root/usr/share/doc" -type f ! -name copyright -delete 2>/dev/null || true
find "$root/usr/share/doc" -type d -empty -delete 2>/dev/null || true
rm -rf "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/locale" "$root/var/cache/apt"/*.bin
HOOK
  if [ "$kind" = runtime ]; then
    cat <<'HOOK'
# Nothing was configured ("extract"), so create what maintainer scripts and base-files' postinst
# would: merged-/usr links, the users, writable /tmp, the CA bundle and the linker cache.
for dir in bin sbin lib lib64; do
  if [ -d "$root/usr/$dir" ] && [ ! -e "$root/$dir" ]; then ln -s "usr/$dir" "$root/$dir"; fi
done
mkdir -p "$root/nodejs/bin" "$root/etc/ssl/certs" "$root/home/nonroot" "$root/tmp"
ln -sf /usr/bin/node "$root/nodejs/bin/node"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$root/etc/group"
chown 65532:65532 "$root/home/nonroot"
chmod 0700 "$root/home/nonroot"
chmod 1777 "$root/tmp"
cat "$root"/usr/share/ca-certificates/mozilla/*.crt >"$root/etc/ssl/certs/ca-certificates.crt"
ldconfig -r "$root"
rm -rf "$root/var/lib/apt" "$root/var/cache/apt" "$root/var/log"/* "$root/var/cache/ldconfig/aux-cache"
for shell in sh bash dash busybox; do
  for dir in bin usr/bin sbin usr/sbin; do
    if [ -e "$root/$dir/$shell" ] || [ -L "$root/$dir/$shell" ]; then
      echo "the runtime image must have no shell, but has /$dir/$shell" >&2
      exit 1
    fi
  done
done
HOOK
  else
    cat <<'HOOK'
# npm where the official node image has it, started by Debian's node.
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$NPM_TARBALL" --strip-components=1 -C "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# Trust what this host trusts beyond Debian's bundle (a TLS-inspecting proxy's CA), for npm ci.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
HOOK
  fi
  cat <<HOOK
version=\$(chroot "\$root" /usr/bin/node --version)
if [ "$kind" = build ]; then echo "[base-images] build: npm \$(chroot "\$root" /usr/local/bin/npm --version)" >&2; fi
case "\$version" in
  v${NODE_MAJOR}.*) echo "[base-images] ${kind}: Debian ${DEBIAN_RELEASE} ships Node \$version" >&2 ;;
  *) echo "[base-images] Debian ${DEBIAN_RELEASE} ships Node \$version, not Node ${NODE_MAJOR}: set NODE_MAJOR and DEBIAN_RELEASE to a pair that matches" >&2; exit 1 ;;
esac
HOOK
}

# Builds one image from Debian packages and commits it under its upstream name.
build_from_debian() {
  local kind=$1 name=$2 work container started
  started=$(date +%s)
  work=$work_root/$kind
  mkdir -p "$work"
  command -v mmdebstrap >/dev/null 2>&1 || {
    log "mmdebstrap is missing; run npm run system-packages (as root on Debian) or install it"
    exit 1
  }
  customize_hook "$kind" >"$work/customize.sh"
  if [ "$kind" = build ]; then
    log "build: npm pack npm@$NPM_VERSION"
    (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
    export NPM_TARBALL=$work/npm-$NPM_VERSION.tgz
  fi
  chmod +x "$work/customize.sh"
  # The extract variant runs no customize stage, so its hook runs right after unpacking.
  local variant=(--variant=minbase --include=nodejs,ca-certificates --customize-hook="$work/customize.sh \"\$1\"")
  if [ "$kind" = runtime ]; then
    variant=(--variant=extract --include=nodejs,ca-certificates,base-files,netbase,tzdata
      --extract-hook="$work/customize.sh \"\$1\"")
  fi
  log "$kind: mmdebstrap $DEBIAN_RELEASE ${variant[0]} ${variant[1]} (from $DEBIAN_MIRROR)"
  nice mmdebstrap --quiet "${variant[@]}" --components=main \
    --dpkgopt=force-unsafe-io --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$DEBIAN_RELEASE" "$work/rootfs.tar" "$DEBIAN_MIRROR"

  container=$(buildah from scratch)
  buildah add --quiet "$container" "$work/rootfs.tar" / >/dev/null
  rm -f "$work/rootfs.tar"
  local config=(
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    --label "$origin_label=debian-$DEBIAN_RELEASE"
    --label "org.opencontainers.image.description=$kind base built from Debian $DEBIAN_RELEASE packages by hack/build-base-images.sh"
  )
  if [ "$kind" = runtime ]; then
    config+=(--env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --user 65532:65532
      --workingdir /home/nonroot --entrypoint '["/nodejs/bin/node"]' --cmd '')
  else
    config+=(--cmd '["node"]')
  fi
  buildah config "${config[@]}" "$container"
  if is_present "$name"; then buildah rmi "$name" >/dev/null; fi
  buildah commit --quiet --rm "$container" "$name" >/dev/null
  log "$kind: $name built from Debian packages in $(($(date +%s) - started))s ($(image_size "$name"))"
}

image_size() {
  buildah images --format '{{.Size}}' "$1" 2>/dev/null | head -1
}

provide() {
  local kind=$1 name=$2
  local origin
  if is_present "$name"; then
    origin=$(origin_of "$name")
    if ! $rebuild || [ -z "$origin" ]; then
      log "$kind: $name present (${origin:+built from Debian packages, }$(image_size "$name"))"
      return
    fi
  fi
  if [ "$BASE_IMAGES" != debian ] && ! $rebuild; then
    log "$kind: pulling $name"
    if timeout 120 buildah pull --quiet "$name" >/dev/null 2>"$work_root/pull.log"; then
      log "$kind: $name pulled"
      return
    fi
    log "$kind: cannot pull $name: $(tail -1 "$work_root/pull.log")"
    [ "$BASE_IMAGES" = pull ] && exit 1
  fi
  build_from_debian "$kind" "$name"
}

mkdir -p "$cache"
work_root=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work_root"' EXIT
provide build "$build_image"
provide runtime "$runtime_image"
