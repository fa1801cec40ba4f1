#!/usr/bin/env bash
# Installs the Debian packages the end-to-end and image tests need, when they are missing (idempotent).
#
#   hack/install-system-packages.sh
#
# - docker-registry: the OCI registry the real-Flux tests push artifacts to. The harness starts it
#   with its own config on a random 127.0.0.1 port; the package's own service (on :5000, with its
#   config in /etc/docker/registry) is never used, and is not started by this script.
# - git: `git http-backend` serves the test repositories over smart HTTP.
# - buildah, podman, runc, mmdebstrap: the image test (`npm run test:image`) builds the image with
#   buildah from base images mmdebstrap makes out of Debian packages, and runs it with podman on
#   runc (crun, podman's default, cannot run containers on cgroup-hybrid hosts). uidmap,
#   fuse-overlayfs and slirp4netns let a non-root user run the same tools rootless.
#
# As root on a Debian-like system it runs apt-get; otherwise it prints what to install and exits 0,
# so a machine without root can still build and run the unit and integration tests.
set -euo pipefail

log() { printf '[system-packages] %s\n' "$*"; }

# package → a file it provides, to tell whether it is installed without depending on dpkg.
declare -A provides=(
  [docker-registry]=/usr/bin/docker-registry
  [git]=/usr/lib/git-core/git-http-backend
  [buildah]=/usr/bin/buildah
  [podman]=/usr/bin/podman
  [runc]=/usr/sbin/runc
  [mmdebstrap]=/usr/bin/mmdebstrap
  [uidmap]=/usr/bin/newuidmap
  [fuse-overlayfs]=/usr/bin/fuse-overlayfs
  [slirp4netns]=/usr/bin/slirp4netns
)

missing=()
for package in "${!provides[@]}"; do
  if [ -x "${provides[$package]}" ]; then
    log "$package: present (${provides[$package]})"
  else
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all system packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "missing: ${missing[*]}"
  log "the end-to-end and image tests need them; install with:  sudo apt-get install -y ${missing[*]}"
  log "(or point the tests at them, see README 'Real Flux for e2e tests'); continuing without"
  exit 0
fi

log "installing: ${missing[*]} (apt-get update, then install; about a minute)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# A policy-rc.d that forbids service starts, for the duration of the install only: installing
# docker-registry would otherwise start its packaged service on :5000 on systemd/sysvinit hosts
# (and podman its API socket).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for package in "${missing[@]}"; do
  if [ -x "${provides[$package]}" ]; then
    log "$package: installed (${provides[$package]})"
  else
    log "$package: apt-get finished but ${provides[$package]} is missing"
    exit 1
  fi
done
# Keep the packaged registry service from starting at the next boot, if this host runs systemd.
if [[ " ${missing[*]} " == *" docker-registry "* ]] && [ -d /run/systemd/system ]; then
  systemctl disable --quiet docker-registry.service 2>/dev/null || true
fi
log "all system packages present"
