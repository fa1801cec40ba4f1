#!/usr/bin/env bash
# The flags buildah and podman need on this machine, found out once and shared by the image
# build (hack/build-image.sh) and the image test (test/image/). Sourced, it defines the functions
# below; run, it prints what they print:
#
#   hack/container-engine.sh runtime   # the OCI runtime: `podman --runtime=…`, `buildah build --runtime=…`
#   hack/container-engine.sh ulimits   # `--ulimit=…` flags, one a line, for `podman run` and `buildah build`
#
# Two things differ from a workstation on small VMs like the ones CI uses:
# - The OCI runtime. crun (podman's default) refuses cgroup v1/v2 "hybrid" hosts; runc runs
#   there. CONTAINER_RUNTIME overrides the probe.
# - Resource limits. podman raises a container's open-files and process limits to 1048576 and
#   4194304, which needs CAP_SYS_RESOURCE; a sandboxed root without it gets "setrlimit: Operation
#   not permitted". The container gets the host's own hard limits instead (podman itself caps
#   processes at 32768 for what it starts).
set -euo pipefail

# The OCI runtime: $CONTAINER_RUNTIME, else crun when it can run a container here, else runc.
# The probe needs a local image to run `true` in; without one it prefers crun unless the host's
# cgroups are hybrid (v1 controllers with a v2 "unified" mount), which crun rejects.
container_runtime() {
  if [ -n "${CONTAINER_RUNTIME:-}" ]; then
    printf '%s\n' "$CONTAINER_RUNTIME"
    return
  fi
  if ! command -v crun >/dev/null 2>&1; then
    printf 'runc\n'
    return
  fi
  if [ -d /sys/fs/cgroup/unified ] && [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ]; then
    printf 'runc\n'
    return
  fi
  printf 'crun\n'
}

# `--ulimit` flags holding the container at the host's hard limits (see the header).
container_ulimits() {
  local files processes
  files=$(ulimit -Hn)
  processes=$(ulimit -Hu)
  [ "$files" = unlimited ] && files=1048576
  [ "$processes" = unlimited ] && processes=32768
  [ "$files" -gt 1048576 ] && files=1048576
  [ "$processes" -gt 32768 ] && processes=32768
  printf -- '--ulimit=nofile=%s:%s\n--ulimit=nproc=%s:%s\n' "$files" "$files" "$processes" "$processes"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    runtime) container_runtime ;;
    ulimits) container_ulimits ;;
    *)
      echo "usage: $0 runtime|ulimits" >&2
      exit 2
      ;;
  esac
fi
