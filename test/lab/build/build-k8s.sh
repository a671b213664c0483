#!/usr/bin/env bash
# Builds the lab's control-plane binaries from the Go module proxy:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (k8s.io/kubernetes)
#   etcd                                                              (go.etcd.io/etcd/server/v3)
# and caches them outside the repository, by version:
#   ${CLUSTERTAP_CACHE:-~/.cache/clustertap}/k8s-<version>/bin/
# If that directory already holds all five binaries, nothing is built.
#
# Usage: test/lab/build/build-k8s.sh [--regen] [--print-bin-dir]
#   --regen          regenerate k8s/go.mod and etcd/go.mod (and go.sum) even if they look current
#   --print-bin-dir  print the cache bin directory and exit (no build)
# Environment:
#   K8S_VERSION      k8s.io/kubernetes release (default: the pinned one below); changing it
#                    regenerates the go.mod files (commit them afterwards)
#   CLUSTERTAP_CACHE cache root (default ~/.cache/clustertap)
#   GO               go binary (default: go on PATH, else /usr/local/go/bin/go)
#   BUILD_JOBS       parallel build lanes, 1 or 2 (default 2: kubernetes lane + etcd lane)
#
# go.mod files are generated, never typed: the replace line for every k8s.io staging module is read
# from kubernetes' own go.mod (its "=> ./staging/src/..." replaces, which only work inside the
# kubernetes repository), mapped to the published v0.Y.Z; etcd is built at the version kubernetes'
# go.mod requires for go.etcd.io/etcd/server/v3.
set -euo pipefail

PINNED_K8S_VERSION=v1.37.2
K8S_VERSION=${K8S_VERSION:-$PINNED_K8S_VERSION}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${CLUSTERTAP_CACHE:-$HOME/.cache/clustertap}
OUT=$CACHE_ROOT/k8s-$K8S_VERSION
BIN=$OUT/bin
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
ALL_BINS=("${K8S_CMDS[@]}" etcd)
BUILD_JOBS=${BUILD_JOBS:-2}

REGEN=0
for arg in "$@"; do
  case $arg in
    --regen) REGEN=1 ;;
    --print-bin-dir) echo "$BIN"; exit 0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "build-k8s: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

main() {
START=$SECONDS
elapsed() { local s=$((SECONDS - START)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
log() { printf '[build-k8s %s] %s\n' "$(elapsed)" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

have_all() {
  local b
  for b in "${ALL_BINS[@]}"; do [[ -x $BIN/$b ]] || return 1; done
}

if have_all; then
  log "cached: Kubernetes $K8S_VERSION binaries in $BIN (${ALL_BINS[*]})"
  exit 0
fi

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[[ -x $GO ]] || die "no go toolchain found (set GO=/path/to/go)"
# Use the installed toolchain only; never download another one.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOFLAGS=-mod=mod
export GOWORK=off
log "Kubernetes $K8S_VERSION -> $BIN using $("$GO" version)"
mkdir -p "$OUT/logs" "$OUT/bin.partial"

# ---------------------------------------------------------------- go.mod generation
# json_field NAME: first top-level-ish "NAME": "value" string in `go ... -json` output on stdin.
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" | head -1; }
# mod_requires GO.MOD: "path version" for every require of a go.mod file.
mod_requires() {
  "$GO" mod edit -print "$1" | awk '
    /^require \($/ { inblk = 1; next }
    inblk && /^\)$/ { inblk = 0; next }
    inblk && NF >= 2 { print $1, $2; next }
    $1 == "require" && $2 != "(" { print $2, $3 }'
}
# mod_replaces GO.MOD: "old => new..." for every replace of a go.mod file.
mod_replaces() {
  "$GO" mod edit -print "$1" | awk '
    /^replace \($/ { inblk = 1; next }
    inblk && /^\)$/ { inblk = 0; next }
    inblk { print; next }
    $1 == "replace" && $2 != "(" { $1 = ""; print }' | sed 's/^[[:space:]]*//'
}

# Fetches kubernetes' go.mod from the module proxy and echoes the path of the downloaded .mod file.
k8s_gomod() {
  local json
  json=$("$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION") \
    || die "k8s.io/kubernetes@$K8S_VERSION is not available from the module proxy"
  json_field GoMod <<<"$json"
}

# v1.37.2 -> v0.37.2 (staging modules are published as v0.<minor>.<patch>)
STAGING_VERSION="v0.${K8S_VERSION#v1.}"

generate_k8s_mod() {
  local upstream=$1 dir=$HERE/k8s
  local norm go_line godebug staging required mod
  norm=$("$GO" mod edit -print "$upstream")
  go_line=$(awk '$1 == "go" && NF == 2 { print; exit }' <<<"$norm")
  godebug=$(awk '$1 == "godebug" { print }' <<<"$norm")
  # Staging modules: every "k8s.io/x => ./staging/src/k8s.io/x" replace in kubernetes' go.mod.
  staging=$(mod_replaces "$upstream" | awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' | sort -u)
  [[ -n $staging ]] || die "found no staging replaces in kubernetes' go.mod ($upstream)"
  # Only modules kubernetes actually requires get a replace: a few staging modules
  # (sample-controller, sample-cli-plugin) are not required by anything and not all are published.
  required=$(mod_requires "$upstream" | awk '{ print $1 }' | sort -u)
  mkdir -p "$dir"
  {
    echo "// Code generated by test/lab/build/build-k8s.sh from k8s.io/kubernetes@$K8S_VERSION's go.mod. DO NOT EDIT."
    echo "// Regenerate: K8S_VERSION=$K8S_VERSION test/lab/build/build-k8s.sh --regen"
    echo
    echo "module clustertap.lab/k8s"
    echo
    echo "$go_line"
    [[ -n $godebug ]] && { echo; echo "$godebug"; }
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "tool ("
    for mod in "${K8S_CMDS[@]}"; do echo "	k8s.io/kubernetes/cmd/$mod"; done
    echo ")"
    echo
    echo "replace ("
    for mod in $staging; do
      if grep -qxF "$mod" <<<"$required"; then echo "	$mod => $mod $STAGING_VERSION"; fi
    done
    echo ")"
  } >"$dir/go.mod.new"
}

generate_etcd_mod() {
  local upstream=$1 dir=$HERE/etcd
  local etcd_version server_json server_mod norm go_line siblings mod
  etcd_version=$(mod_requires "$upstream" | awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }')
  [[ -n $etcd_version ]] || die "kubernetes $K8S_VERSION does not require go.etcd.io/etcd/server/v3"
  server_json=$("$GO" mod download -json "go.etcd.io/etcd/server/v3@$etcd_version") \
    || die "go.etcd.io/etcd/server/v3@$etcd_version is not available from the module proxy"
  server_mod=$(json_field GoMod <<<"$server_json")
  norm=$("$GO" mod edit -print "$server_mod")
  go_line=$(awk '$1 == "go" && NF == 2 { print; exit }' <<<"$norm")
  # etcd's server go.mod replaces its sibling modules with ../paths (only valid in the etcd repo):
  # require each of them at the same release instead.
  siblings=$(mod_replaces "$server_mod" | awk '$2 == "=>" && $3 ~ /^\.\./ { print $1 }' | sort -u)
  mkdir -p "$dir"
  {
    echo "// Code generated by test/lab/build/build-k8s.sh: etcd at the version k8s.io/kubernetes@$K8S_VERSION requires. DO NOT EDIT."
    echo "// Regenerate: K8S_VERSION=$K8S_VERSION test/lab/build/build-k8s.sh --regen"
    echo
    echo "module clustertap.lab/etcd"
    echo
    echo "$go_line"
    echo
    echo "require ("
    echo "	go.etcd.io/etcd/server/v3 $etcd_version"
    for mod in $siblings; do echo "	$mod $etcd_version"; done
    echo ")"
    echo
    echo "tool go.etcd.io/etcd/server/v3"
  } >"$dir/go.mod.new"
  echo "$etcd_version"
}

# A generated go.mod is kept (with its tidied requires and go.sum) while its header says it was
# generated for this version; otherwise it is regenerated and tidied.
mod_current() { [[ -f $1/go.mod && -f $1/go.sum ]] && head -1 "$1/go.mod" | grep -qF "$2"; }

refresh_mod() {
  local dir=$1
  mv "$dir/go.mod.new" "$dir/go.mod"
  rm -f "$dir/go.sum"
  log "$(basename "$dir")/go.mod regenerated; go mod tidy (downloads modules from the proxy)..."
  (cd "$dir" && "$GO" mod tidy) >"$OUT/logs/tidy-$(basename "$dir").log" 2>&1 \
    || { tail -30 "$OUT/logs/tidy-$(basename "$dir").log" >&2; die "go mod tidy failed in $dir (log: $OUT/logs/tidy-$(basename "$dir").log)"; }
}

if [[ $REGEN == 1 ]] || ! mod_current "$HERE/k8s" "k8s.io/kubernetes@$K8S_VERSION's" || ! mod_current "$HERE/etcd" "k8s.io/kubernetes@$K8S_VERSION requires"; then
  log "fetching k8s.io/kubernetes@$K8S_VERSION go.mod"
  UPSTREAM=$(k8s_gomod)
  [[ -f $UPSTREAM ]] || die "could not locate kubernetes' go.mod"
  generate_k8s_mod "$UPSTREAM"
  ETCD_VERSION=$(generate_etcd_mod "$UPSTREAM")
  if [[ $REGEN == 1 ]] || ! mod_current "$HERE/k8s" "k8s.io/kubernetes@$K8S_VERSION's"; then refresh_mod "$HERE/k8s"; else rm -f "$HERE/k8s/go.mod.new"; fi
  if [[ $REGEN == 1 ]] || ! mod_current "$HERE/etcd" "k8s.io/kubernetes@$K8S_VERSION requires"; then refresh_mod "$HERE/etcd"; else rm -f "$HERE/etcd/go.mod.new"; fi
fi
ETCD_VERSION=$(cd "$HERE/etcd" && "$GO" list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
log "versions: k8s.io/kubernetes $K8S_VERSION (staging $STAGING_VERSION), go.etcd.io/etcd/server/v3 $ETCD_VERSION"

log "downloading modules (first run only)..."
(cd "$HERE/k8s" && "$GO" mod download) >"$OUT/logs/download-k8s.log" 2>&1 || die "go mod download failed in k8s/ (see $OUT/logs/download-k8s.log)"
(cd "$HERE/etcd" && "$GO" mod download) >"$OUT/logs/download-etcd.log" 2>&1 || die "go mod download failed in etcd/ (see $OUT/logs/download-etcd.log)"
log "modules ready"

# ---------------------------------------------------------------- build
# Version stamping as kubernetes' hack/lib/version.sh does. The proxy gives no commit hash, so
# gitCommit is left empty (not the "$Format:%H$" placeholder); buildDate is the release's time, so
# the build stays reproducible.
K8S_INFO=$(cd "$HERE/k8s" && "$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION")
K8S_COMMIT=$(json_field Hash <<<"$K8S_INFO")
BUILD_DATE=$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$(json_field Info <<<"$K8S_INFO")")
BUILD_DATE=${BUILD_DATE:-1970-01-01T00:00:00Z}
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
K8S_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  K8S_LDFLAGS+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
  K8S_LDFLAGS+=" -X $pkg.gitCommit=$K8S_COMMIT"
done
ETCD_LDFLAGS="-s -w"

# build_one NAME MODULE_DIR PACKAGE LDFLAGS: builds one binary, printing progress every 30s as
# "packages compiled / packages in its dependency graph" (already-cached packages are not compiled).
build_one() {
  local name=$1 dir=$2 pkg=$3 ldflags=$4 total t0=$SECONDS rc=0 ticker vlog
  vlog=$OUT/logs/$name.log
  total=$(cd "$dir" && "$GO" list -deps "$pkg" | wc -l)
  log "$name: building $pkg ($total packages in its graph)"
  : >"$vlog"
  ( while sleep 30; do
      log "$name: $(grep -cv '^#\|^go: \|^ ' "$vlog" || true)/$total packages compiled, $((SECONDS - t0))s"
    done ) &
  ticker=$!
  (cd "$dir" && "$GO" build -v -trimpath -ldflags="$ldflags" -o "$OUT/bin.partial/$name" "$pkg") >"$vlog" 2>&1 || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [[ $rc != 0 ]]; then
    log "$name: FAILED after $((SECONDS - t0))s (log: $vlog)"; tail -20 "$vlog" | sed "s/^/  $name: /" >&2
    return 1
  fi
  mkdir -p "$BIN"
  mv -f "$OUT/bin.partial/$name" "$BIN/$name"
  log "$name: done in $((SECONDS - t0))s -> $BIN/$name ($(du -h "$BIN/$name" | cut -f1))"
}

k8s_lane() {
  local c
  # kube-apiserver first: it compiles most of what the others share.
  for c in "${K8S_CMDS[@]}"; do
    [[ -x $BIN/$c ]] && { log "$c: cached"; continue; }
    build_one "$c" "$HERE/k8s" "k8s.io/kubernetes/cmd/$c" "$K8S_LDFLAGS" || return 1
  done
}
etcd_lane() {
  [[ -x $BIN/etcd ]] && { log "etcd: cached"; return 0; }
  build_one etcd "$HERE/etcd" go.etcd.io/etcd/server/v3 "$ETCD_LDFLAGS"
}

fail=0
if [[ $BUILD_JOBS -ge 2 ]]; then
  etcd_lane & etcd_pid=$!
  k8s_lane || fail=1
  wait "$etcd_pid" || fail=1
else
  k8s_lane || fail=1
  etcd_lane || fail=1
fi
rmdir "$OUT/bin.partial" 2>/dev/null || true

if [[ $fail != 0 ]] || ! have_all; then
  die "build incomplete after $(elapsed); logs in $OUT/logs"
fi
log "all binaries built in $(elapsed): $BIN"
}

main "$@"
