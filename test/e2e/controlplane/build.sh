#!/usr/bin/env bash
# Builds pinned kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd from the
# Go module proxy into ${CASSIA_CACHE_DIR:-$HOME/.cache/cassia}/k8s-<version>/bin (wrapper modules
# pin every k8s staging module to v0.<minor>.<patch>); a complete stamp file makes reruns no-ops.
# Usage: build.sh            -> prints the bin dir on stdout (progress on stderr)
# Env:   CASSIA_K8S_VERSION (1.35.4), CASSIA_ETCD_VERSION (3.6.16), CASSIA_CACHE_DIR, GOSUMDB.
set -euo pipefail

K8S_VERSION=${CASSIA_K8S_VERSION:-1.35.4}
ETCD_VERSION=${CASSIA_ETCD_VERSION:-3.6.16}
RECIPE=1 # bump when the recipe (flags, binaries) changes so caches rebuild
CACHE=${CASSIA_CACHE_DIR:-$HOME/.cache/cassia}
DIR="$CACHE/k8s-$K8S_VERSION"
BIN="$DIR/bin"
STAMP="k8s=v$K8S_VERSION etcd=v$ETCD_VERSION recipe=$RECIPE"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd)

log() { echo "[controlplane/build] $*" >&2; }
die() { echo "[controlplane/build] ERROR: $*" >&2; exit 1; }

is_built() {
  [ -f "$BIN/.stamp" ] && [ "$(cat "$BIN/.stamp")" = "$STAMP" ] || return 1
  local b
  for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done
}

if is_built; then echo "$BIN"; exit 0; fi

command -v go >/dev/null 2>&1 || die "Go is required to build the local control plane (go not on PATH)"
command -v jq >/dev/null 2>&1 || die "jq is required (Debian package jq)"
mkdir -p "$DIR"
# One builder per version at a time; a second caller waits, then finds the stamp.
exec 9>"$DIR/.build.lock"
flock 9
if is_built; then echo "$BIN"; exit 0; fi

export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export GOMODCACHE="$CACHE/go/mod"
export GOCACHE="$CACHE/go/build"
export CGO_ENABLED=0
export GOPROXY=${GOPROXY:-$(go env GOPROXY)}
if [ -z "${GOSUMDB:-}" ]; then
  if curl -s -m 5 -o /dev/null "https://sum.golang.org/lookup/k8s.io/kubernetes@v$K8S_VERSION"; then
    export GOSUMDB=sum.golang.org
  else
    log "WARNING: sum.golang.org is unreachable; building with GOSUMDB=off (hashes from the proxy only)"
    export GOSUMDB=off
  fi
fi
GOV=$(go env GOVERSION)
log "building k8s v$K8S_VERSION + etcd v$ETCD_VERSION with $GOV into $BIN (cold: ~15-30 min on 2 cores)"
start=$(date +%s)

OUT="$DIR/bin.partial"
rm -rf "$OUT" && mkdir -p "$OUT"

# --- Kubernetes: wrapper module pinning staging modules (spec section 3.3) ---
SRC="$DIR/src/k8s"
rm -rf "$SRC" && mkdir -p "$SRC"
(
  cd "$SRC"
  go mod init cassia.local/k8sbuild >/dev/null 2>&1
  MOD=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | jq -r .GoMod)
  [ -f "$MOD" ] || die "could not download k8s.io/kubernetes@v$K8S_VERSION from $GOPROXY"
  need=$(go mod edit -json "$MOD" | jq -r .Go)
  log "k8s.io/kubernetes v$K8S_VERSION needs go $need (have $GOV)"
  # Pin every staging module required at v0.0.0 to v0.<minor>.<patch>.
  mapfile -t staging < <(go mod edit -json "$MOD" | jq -r '.Require[] | select(.Version=="v0.0.0") | .Path')
  [ "${#staging[@]}" -gt 10 ] || die "unexpected staging module list (${#staging[@]} entries)"
  args=()
  for m in "${staging[@]}"; do args+=("-replace=$m=$m@v0.${K8S_VERSION#1.}"); done
  go mod edit "${args[@]}"
  # Match the official godebug defaults.
  grep -E '^godebug ' "$MOD" | while read -r _ kv; do go mod edit -godebug="$kv"; done || true
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kubectl@v$K8S_VERSION" >&2
  go mod tidy >&2
  MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
  DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  V=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    V="$V -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR"
    V="$V -X $p.gitTreeState=clean -X $p.buildDate=$DATE"
  done
  log "go build (kubernetes)"
  go build -trimpath -ldflags "-s -w $V" -o "$OUT/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl >&2
)
log "kubernetes built after $(( $(date +%s) - start ))s"

# --- etcd: its own wrapper module (spec section 3.4; never mixed with the k8s one) ---
SRC="$DIR/src/etcd"
rm -rf "$SRC" && mkdir -p "$SRC"
(
  cd "$SRC"
  go mod init cassia.local/etcdbuild >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go mod tidy >&2
  log "go build (etcd)"
  go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION" \
    -o "$OUT/etcd" go.etcd.io/etcd/server/v3 >&2
)

for b in "${BINARIES[@]}"; do [ -x "$OUT/$b" ] || die "missing $OUT/$b after build"; done
"$OUT/kube-apiserver" --version >&2
"$OUT/etcd" --version >&2
echo "$STAMP" > "$OUT/.stamp"
rm -rf "$BIN" && mv "$OUT" "$BIN"
log "cold build done in $(( $(date +%s) - start ))s"
echo "$BIN"
