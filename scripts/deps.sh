#!/usr/bin/env bash
# Installs what building and testing LanIM needs, and only what is missing, so a run with everything present
# takes well under a second. Prints one line per thing it installs.
#
#   scripts/deps.sh             build + test: cgo/Fyne headers, Xvfb, ImageMagick, xdotool, protoc,
#                               protoc-gen-go, test/js's npm packages once test/js/package-lock.json exists,
#                               and Debian's chromium with test/wasm's npm packages (the SDK core suite)
#   scripts/deps.sh --build     only what `go build` needs: the cgo/Fyne headers (make build)
#   scripts/deps.sh --package   also the fyne CLI (make package-linux) and dpkg-dev (package-deb's dpkg-shlibdeps)
#   scripts/deps.sh --package --windows
#                               also the mingw-w64 cross compiler and NSIS (make package-windows[-installer])
#
# Debian packages need root: as root they are installed, otherwise through `sudo -n` when that works without a
# password, otherwise the script prints the apt-get command to run and exits 1. Go itself must be installed.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12
# Pinned rather than @latest so a fresh CI machine packages with the CLI this Makefile was checked with.
FYNE_CLI_VERSION=${FYNE_CLI_VERSION:-v1.7.4}

# cgo: the Fyne build (GLFW, go-gl) and SQLite
build_packages=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev
	libxxf86vm-dev)
apt_packages=(
	"${build_packages[@]}"
	# the real-window smoke test: a headless X server, screenshots, clicks
	xvfb imagemagick xdotool
	# make proto
	protobuf-compiler libprotobuf-dev
	# the README walkthrough test runs its script as written
	curl jq
)

with_fyne_cli=false
build_only=false
for arg in "$@"; do
	case $arg in
	--build) build_only=true ;;
	--package)
		with_fyne_cli=true
		apt_packages+=(dpkg-dev)
		;;
	--windows) apt_packages+=(gcc-mingw-w64-x86-64 nsis) ;;
	*)
		echo "usage: $0 [--build | --package [--windows]]" >&2
		exit 2
		;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
js_dir=$root/test/js
wasm_dir=$root/test/wasm

if ! command -v go >/dev/null 2>&1; then
	echo "deps: go is not on PATH; install Go $(sed -n 's/^go //p' "$root/go.mod") or newer from https://go.dev/dl/" >&2
	exit 1
fi
gobin=$(go env GOBIN)
[[ -n $gobin ]] || gobin=$(go env GOPATH)/bin

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_quiet runs a command with its output kept aside, shown only when it fails.
run_quiet() {
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "deps: failed: $*" >&2
		exit 1
	fi
}

is_installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *"ok installed"* ]]
}

install_apt() {
	local missing=() pkg
	for pkg in "$@"; do
		is_installed "$pkg" || missing+=("$pkg")
	done
	((${#missing[@]})) || return 0

	local sudo=()
	if ((EUID != 0)); then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			echo "deps: missing Debian packages: ${missing[*]}" >&2
			echo "deps: install them as root, then run make again:" >&2
			echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
			exit 1
		fi
	fi
	run_quiet "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
	run_quiet "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
	for pkg in "${missing[@]}"; do
		echo "deps: installed $pkg (apt)"
	done
}

# install_go_tool installs PKG@VERSION into $gobin unless `BINARY VERSION_ARG` already prints VERSION.
install_go_tool() {
	local binary=$1 pkg=$2 version=$3 version_arg=$4
	local have=""
	[[ -x $gobin/$binary ]] && have=$("$gobin/$binary" "$version_arg" 2>/dev/null || true)
	grep -qwF -- "$version" <<<"$have" && return 0
	run_quiet env GOBIN="$gobin" go install "$pkg@$version"
	echo "deps: installed $binary $version (go install, $gobin)"
}

# install_js runs `npm ci` in a directory once its lock file exists, and again only when the lock file is newer
# than the copy npm keeps in node_modules.
install_js() {
	local dir=$1
	[[ -f $dir/package-lock.json ]] || return 0
	[[ $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]] && return 0
	(cd "$dir" && run_quiet npm ci --no-audit --no-fund)
	echo "deps: installed ${dir#"$root"/} npm packages (npm ci)"
}

if $build_only; then
	install_apt "${build_packages[@]}"
	exit 0
fi
if [[ -f $js_dir/package-lock.json || -f $wasm_dir/package-lock.json ]] && ! command -v npm >/dev/null 2>&1; then
	apt_packages+=(nodejs npm)
fi
# test/wasm drives Debian's chromium (puppeteer's own browser download is not used).
if [[ -f $wasm_dir/package-lock.json ]]; then
	apt_packages+=(chromium)
fi

install_apt "${apt_packages[@]}"
install_go_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION" --version
if $with_fyne_cli; then
	install_go_tool fyne fyne.io/tools/cmd/fyne "$FYNE_CLI_VERSION" version
fi
install_js "$js_dir"
install_js "$wasm_dir"
