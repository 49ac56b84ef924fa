#!/usr/bin/env bash
# Builds dist/lanim_<version>_amd64.deb with dpkg-deb, offline, from what `make package-linux` made:
# the binary and .desktop entry in dist/LanIM.tar.xz (fyne package), plus hicolor icons 16-512 px
# (assets/iconset), the licences (scripts/licences.sh) and packaging/deb's control file and scripts.
#   scripts/package-deb.sh [TARBALL [VERSION]]   defaults: dist/LanIM.tar.xz, scripts/version.sh
# DEB_MAINTAINER overrides the Maintainer field.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
umask 022

tarball=${1:-dist/LanIM.tar.xz}
version=${2:-$(scripts/version.sh)}
maintainer=${DEB_MAINTAINER:-LanIM authors <lanim@localhost>}
# GLFW loads these X libraries with dlopen, so neither ldd nor dpkg-shlibdeps sees them; without
# them the window does not open.
dlopened=(libxcursor1 libxrandr2 libxinerama1 libxi6 libxxf86vm1)

work=$root/tmp/deb
stage=$work/lanim_${version}_amd64
out=dist/lanim_${version}_amd64.deb
rm -rf "$work"
mkdir -p "$work/fyne" "$work/shlibs/debian" "$stage/DEBIAN" dist
tar -xJf "$tarball" -C "$work/fyne"
bin=$(find "$work/fyne" -path '*/bin/lanim' -type f)
desktop=$(find "$work/fyne" -name '*.desktop' -type f)
if [[ -z $bin || -z $desktop ]]; then
	echo "package-deb: $tarball has no bin/lanim or .desktop file" >&2
	exit 1
fi

install -Dm755 "$bin" "$stage/usr/bin/lanim"
install -Dm644 "$desktop" "$stage/usr/share/applications/com.lanim.app.desktop"
go run ./assets/iconset -hicolor "$stage/usr/share/icons/hicolor"
mkdir -p "$stage/usr/share/doc/lanim"
scripts/licences.sh linux >"$stage/usr/share/doc/lanim/copyright"

# The libraries the binary links (libc, libGL, libX11), with the minimum versions their symbols need.
shlibs=$(cd "$work/shlibs" && touch debian/control && dpkg-shlibdeps -O -e "$stage/usr/bin/lanim" 2>"$work/shlibs.log") || {
	cat "$work/shlibs.log" >&2
	exit 1
}
depends="${shlibs#shlibs:Depends=}"
for pkg in "${dlopened[@]}"; do
	[[ ", $depends," == *", $pkg"[,\ ]* ]] || depends+=", $pkg"
done

size=$(du -sk "$stage/usr" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maintainer|" -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
	packaging/deb/control >"$stage/DEBIAN/control"
install -m755 packaging/deb/postinst packaging/deb/postrm "$stage/DEBIAN/"
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

# File times from the commit, so the same commit gives the same package.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
rm -rf "$work"
echo "$out ($(du -h "$out" | cut -f1); Depends: $depends)"
