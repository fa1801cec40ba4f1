#!/usr/bin/env bash
# Builds one Go main package from the Go module proxy into a file, through a throwaway wrapper
# module (modules with replace directives cannot be `go install`ed). Used by the test-asset
# resolver when no binary is configured, cached or downloadable.
#
#   hack/build-go-binary.sh MODULE VERSION PACKAGE OUTPUT [STAGING]
#
# MODULE@VERSION is required by the wrapper; PACKAGE is the main package to build; OUTPUT the
# binary path. STAGING=k8s makes it replace every k8s.io staging module that k8s.io/kubernetes
# maps to ./staging with its published v0.X.Y tag and stamp the Kubernetes version.
# Module→module replace directives of the upstream go.mod are copied (local-path ones dropped),
# so dependency versions stay close to the upstream build.
set -euo pipefail
module=${1:?module}; version=${2:?version}; package=${3:?package}; output=${4:?output}; staging=${5:-}

export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=${GOFLAGS:--modcacherw} CGO_ENABLED=0
work=$(mktemp -d "${TMPDIR:-/tmp}/shoot-flux-gobuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

label=${package##*/}
case "$label" in v[0-9]*) label=$(basename "$(dirname "$package")") ;; esac   # …/server/v3 → server
log() { printf '[build %s@%s] %s\n' "$label" "$version" "$*" >&2; }

log "resolving upstream go.mod"
upstream_gomod=$(go mod download -json "$module@$version" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const info = JSON.parse(s);
    if (info.Error) { console.error(info.Error); process.exit(1); }
    console.log(info.GoMod);
  });')
upstream_json=$(go mod edit -json "$upstream_gomod")

go mod init example.invalid/shoot-flux-build >/dev/null 2>&1
go mod edit -go="$(node -e 'console.log(JSON.parse(process.argv[1]).Go)' "$upstream_json")"
go mod edit -require="$module@$version" -tool="$package"

node -e '
  const gomod = JSON.parse(process.argv[1]);
  const staging = process.argv[2];
  const version = process.argv[3];
  for (const r of gomod.Replace ?? []) {
    if (r.New.Version) {
      const old = r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path;
      console.log(`-replace=${old}=${r.New.Path}@${r.New.Version}`);
    } else if (staging === "k8s" && r.New.Path.startsWith("./staging/")) {
      console.log(`-replace=${r.Old.Path}=${r.Old.Path}@v0.${version.slice(3)}`);
    }
  }' "$upstream_json" "$staging" "$version" | xargs -r go mod edit
# Upstream GODEBUG defaults belong to the main module, so carry them over.
grep '^godebug' "$upstream_gomod" >> go.mod || true

log "downloading modules (go mod tidy)"
go mod tidy

ldflags="-s -w"
tags=""
if [ "$staging" = k8s ]; then
  minor=$(echo "$version" | cut -d. -f2)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  tags="-tags=selinux,notest,grpcnotrace"
fi

log "compiling (a cold build takes minutes on 2 cores)"
mkdir -p "$(dirname "$output")"
go build -trimpath $tags -ldflags "$ldflags" -o "$output.tmp" "$package"
mv "$output.tmp" "$output"
log "built $output"
