#!/usr/bin/env bash
# Builds pinned helm v3 and kubeconform from the Go module proxy into
# ${CASSIA_CACHE_DIR:-$HOME/.cache/cassia}/{helm,kubeconform}-<version>/bin; a stamp file makes
# reruns no-ops, bin/ is replaced atomically and a flock serializes concurrent builders.
# Usage: build-tools.sh   -> prints "helm=<path>" and "kubeconform=<path>" on stdout (progress on stderr)
# Env:   CASSIA_HELM_VERSION (3.22.0), CASSIA_KUBECONFORM_VERSION (0.8.0), CASSIA_CACHE_DIR, GOSUMDB.
set -euo pipefail

HELM_VERSION=${CASSIA_HELM_VERSION:-3.22.0}
KUBECONFORM_VERSION=${CASSIA_KUBECONFORM_VERSION:-0.8.0}
RECIPE=2 # bump when the recipe (flags) changes so caches rebuild
CACHE=${CASSIA_CACHE_DIR:-$HOME/.cache/cassia}

log() { echo "[chart/build-tools] $*" >&2; }
die() { echo "[chart/build-tools] ERROR: $*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "Go is required to build helm and kubeconform from the Go module proxy (go not on PATH)"

export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export GOMODCACHE="$CACHE/go/mod"
export GOCACHE="$CACHE/go/build"
export CGO_ENABLED=0
export GOPROXY=${GOPROXY:-$(go env GOPROXY)}

choose_sumdb() {
  [ -n "${GOSUMDB:-}" ] && return 0
  if curl -s -m 5 -o /dev/null "https://sum.golang.org/lookup/helm.sh/helm/v3@v$HELM_VERSION"; then
    export GOSUMDB=sum.golang.org
  else
    log "WARNING: sum.golang.org is unreachable; building with GOSUMDB=off (hashes from the proxy only)"
    export GOSUMDB=off
  fi
}

# build <name> <version> <package> <ldflags function>: the function runs only for a cold build.
build() {
  local name=$1 version=$2 pkg=$3 ldflags_fn=$4
  local dir="$CACHE/$name-$version" stamp="$name=v$version recipe=$RECIPE"
  local bin="$dir/bin"
  if [ -f "$bin/.stamp" ] && [ "$(cat "$bin/.stamp")" = "$stamp" ] && [ -x "$bin/$name" ]; then
    echo "$name=$bin/$name"
    return 0
  fi
  mkdir -p "$dir"
  exec 9>"$dir/.build.lock"
  flock 9
  if [ -f "$bin/.stamp" ] && [ "$(cat "$bin/.stamp")" = "$stamp" ] && [ -x "$bin/$name" ]; then
    echo "$name=$bin/$name"
    exec 9>&-
    return 0
  fi
  choose_sumdb
  local start out
  start=$(date +%s)
  out="$dir/bin.partial"
  rm -rf "$out" && mkdir -p "$out"
  local ldflags
  ldflags=$("$ldflags_fn")
  log "go install $pkg@v$version with $(go env GOVERSION)"
  GOBIN="$out" go install -trimpath -ldflags "-s -w $ldflags" "$pkg@v$version" >&2
  [ -x "$out/$name" ] || die "missing $out/$name after go install"
  echo "$stamp" > "$out/.stamp"
  rm -rf "$bin" && mv "$out" "$bin"
  log "$name v$version built in $(( $(date +%s) - start ))s"
  exec 9>&-
  echo "$name=$bin/$name"
}

# helm's Makefile stamps the version and derives the default Kubernetes capabilities (used by
# `helm template` and `helm lint` without a cluster) from the k8s.io/client-go it is built with;
# a plain `go install` would leave them at v1.20 (spec 3.5).
helm_ldflags() {
  local gomod client minor
  gomod=$(go mod download -json "helm.sh/helm/v3@v$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$gomod" ] || die "could not download helm.sh/helm/v3@v$HELM_VERSION from $GOPROXY"
  client=$(awk '$1 == "k8s.io/client-go" { print $2 }' "$gomod")
  minor=$(echo "$client" | cut -d. -f2)
  [ -n "$minor" ] || die "cannot find k8s.io/client-go in helm's go.mod"
  local v="-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  local p
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    v="$v -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
  done
  echo "$v"
}

kubeconform_ldflags() { echo "-X main.version=v$KUBECONFORM_VERSION"; }

build helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm helm_ldflags
build kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform kubeconform_ldflags
