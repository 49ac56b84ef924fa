#!/usr/bin/env bash
# Prints the licence file that ships with a LanIM package: LanIM's own terms, then the licence of Go and of
# every module linked into the binary for GOOS (linux or windows), read from the module cache, so the list
# follows go.mod without anyone keeping it. Fails when a linked module has no licence file.
#   scripts/licences.sh linux > copyright
set -euo pipefail
cd "$(dirname "$0")/.."
goos=${1:?usage: $0 linux|windows}

echo "LanIM $(scripts/version.sh): office chat with no server."
echo
own=$(ls LICENSE LICENSE.* LICENCE LICENCE.* COPYING 2>/dev/null | head -1 || true)
if [[ -n $own ]]; then
	cat "$own"
else
	# Copyright law's default until the repository gets a LICENSE file, which then goes here instead.
	echo "Copyright the LanIM authors. All rights reserved: the project has not published a licence yet."
fi
echo
echo "LanIM is built with Go and the Go modules below; each one's licence follows."

section() {
	printf '\n%s\n==== %s\n%s\n\n' "================================================================" "$1" \
		"================================================================"
}

goroot=$(go env GOROOT)
section "Go $(go env GOVERSION) (runtime and standard library)"
cat "$goroot/LICENSE"

GOOS=$goos CGO_ENABLED=1 go list -deps -tags sqlite_fts5 \
	-f '{{with .Module}}{{if not .Main}}{{with .Replace}}{{.Path}} {{.Version}} {{.Dir}}{{else}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}{{end}}' . |
	sort -u |
	while read -r path version dir; do
		files=$(find "$dir" -maxdepth 1 -type f \( -iname 'licen[cs]e*' -o -iname 'copying*' -o -iname 'unlicense*' \
			-o -iname 'notice*' \) | sort)
		if [[ -z $files ]]; then
			echo "licences: $path $version has no licence file in $dir" >&2
			exit 1
		fi
		section "$path $version"
		for f in $files; do
			cat "$f"
			echo
		done
	done
