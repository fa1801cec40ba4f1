#!/usr/bin/env bash
# Builds the Flux CLI (github.com/fluxcd/flux2/v2/cmd/flux) of one release from its Go module,
# with that release's install manifests embedded, as Flux's own `make build` does. The module
# as the proxy serves it lacks `cmd/flux/manifests/*.yaml` (generated, not committed), so the
# module is copied into a scratch directory, the bundle files are put there, and the copy is built.
#
#   hack/build-flux-cli.sh VERSION MANIFESTS_DIR OUTPUT
#
# VERSION is the release tag (v2.9.2); MANIFESTS_DIR holds the release's manifests.tar.gz files
# (`<component>.yaml`, `rbac.yaml`, `policies.yaml`); OUTPUT is the binary path.
set -euo pipefail
version=${1:?version}; manifests=${2:?manifests dir}; output=${3:?output}
module=github.com/fluxcd/flux2/v2

export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=${GOFLAGS:--modcacherw} CGO_ENABLED=0
work=$(mktemp -d "${TMPDIR:-/tmp}/shoot-flux-fluxcli.XXXXXX")
trap 'rm -rf "$work"' EXIT
log() { printf '[build flux@%s] %s\n' "$version" "$*" >&2; }

log "downloading $module@$version"
dir=$(go mod download -json "$module@$version" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const info = JSON.parse(s);
    if (info.Error) { console.error(info.Error); process.exit(1); }
    console.log(info.Dir);
  });')

# The module cache is read-only by intent; the embedded manifests go into a copy.
cp -R "$dir" "$work/flux2"
chmod -R u+w "$work/flux2"
mkdir -p "$work/flux2/cmd/flux/manifests"
cp "$manifests"/*.yaml "$work/flux2/cmd/flux/manifests/"

log "compiling (a cold build takes minutes on 2 cores)"
mkdir -p "$(dirname "$output")"
# main.VERSION without the v, as the release build stamps it: `flux install` then uses the
# embedded manifests for its own version.
(cd "$work/flux2" && go build -trimpath -ldflags "-s -w -X main.VERSION=${version#v}" -o "$output.tmp" ./cmd/flux)
mv "$output.tmp" "$output"
log "built $output"
