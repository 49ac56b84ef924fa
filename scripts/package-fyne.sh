#!/usr/bin/env bash
# Runs `fyne package --release` for linux or windows on a copy of the source tree and moves the result
# into dist/:  scripts/package-fyne.sh linux    → dist/LanIM.tar.xz (binary, icon, .desktop file)
#              scripts/package-fyne.sh windows  → dist/LanIM.exe (cross-built with mingw-w64)
# The copy is the point: fyne rewrites FyneApp.toml on every run (drops its comment, re-indents it, bumps
# Build) and writes fyne_metadata_init.go, fyne.syso and the binary into the directory it packages. So the
# tree stays clean, and the version comes from git (scripts/version.sh): --app-version/--app-build for
# fyne's metadata, and app/version.go's value, set in the copy, for `lanim --version`. Not -X through
# GOFLAGS: fyne takes -ldflags out of GOFLAGS for its first build, and the Windows package builds twice.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

os=${1:-}
env=()
case $os in
linux) out=LanIM.tar.xz ;;
windows)
	out=LanIM.exe
	# Without CC, cgo runs the host gcc with mingw's flags (the "-mthreads" error).
	env=(CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64)
	;;
*)
	echo "usage: $0 linux|windows" >&2
	exit 2
	;;
esac

version=$(scripts/version.sh)
# A fixed path per OS, not mktemp: -trimpath makes the build independent of it anyway, and a stale
# copy from an interrupted run is simply replaced.
src=$root/tmp/fyne-src-$os
rm -rf "$src"
mkdir -p "$src" dist
# Tracked and untracked-but-not-ignored files as they are on disk (so -dirty builds what you see);
# a tracked file deleted in the work tree is left out.
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi; done |
	tar --null -T - -cf - | tar -xf - -C "$src"

echo "fyne package -os $os: LanIM $version"
sed -i "s|^var version = \".*\"\$|var version = \"$version\"|" "$src/app/version.go"
grep -qxF "var version = \"$version\"" "$src/app/version.go" || {
	echo "package-fyne: app/version.go has no 'var version = \"...\"' line to set" >&2
	exit 1
}
numeric=$(scripts/version.sh numeric) build=$(scripts/version.sh build)
# Run inside the copy: fyne writes its output and staging dirs into the directory it is started from.
(cd "$src" && env "${env[@]}" fyne package -os "$os" --release --tags sqlite_fts5 \
	--app-version "$numeric" --app-build "$build")
if [[ $os == linux ]]; then
	tar -xJOf "$src/$out" --wildcards '*/bin/lanim'
else
	cat "$src/$out"
fi | grep -acF "$version" >/dev/null || { # -c reads it all: -q would cut the pipe (pipefail)
	echo "package-fyne: the binary in $out does not carry version $version" >&2
	exit 1
}
mv "$src/$out" "dist/$out"
rm -rf "$src"
echo "dist/$out ($version)"
