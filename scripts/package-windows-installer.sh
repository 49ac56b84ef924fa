#!/usr/bin/env bash
# Builds dist/LanIM-<version>-setup.exe with NSIS (Debian's makensis) from the LanIM.exe that
# `make package-windows` made, an .ico with 16, 32, 48 and 256 px images (assets/iconset) and the
# licences (scripts/licences.sh); packaging/windows/lanim.nsi says what the installer does.
#   scripts/package-windows-installer.sh [EXE]   default dist/LanIM.exe
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

exe=$(realpath "${1:-dist/LanIM.exe}")
version=$(scripts/version.sh)
# Windows version resources take four numbers: x.y.z from the tag and the commit count.
version4=$(scripts/version.sh numeric).$(scripts/version.sh build)
work=$root/tmp/nsis
out=$root/dist/LanIM-$version-setup.exe
rm -rf "$work"
mkdir -p "$work" dist
go run ./assets/iconset -ico "$work/lanim.ico"
scripts/licences.sh windows | sed 's/$/\r/' >"$work/licences.txt" # Notepad before Windows 10 wants CRLF

makensis -V2 -NOCD -DVERSION="$version" -DVERSION4="$version4" -DEXE="$exe" -DICON="$work/lanim.ico" \
	-DLICENCES="$work/licences.txt" -DOUTFILE="$out" packaging/windows/lanim.nsi
rm -rf "$work"
echo "dist/LanIM-$version-setup.exe ($(du -h "$out" | cut -f1))"
