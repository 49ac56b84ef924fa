#!/usr/bin/env bash
# Prints LanIM's version from git, for `make build` and the packages (one source, so they agree):
#   scripts/version.sh          the version: a tag v1.2.3 → 1.2.3; 2 commits after it → 1.2.3-2-gabc1234;
#                               no tag → 0.0.0-abc1234; uncommitted changes add -dirty; no git → 0.0.0-dev
#   scripts/version.sh numeric  its x.y.z part only (0.0.0 without a tag): fyne's --app-version and the
#                               Windows version resources take numbers only
#   scripts/version.sh build    the number of commits up to HEAD: fyne's --app-build, so it grows with
#                               every commit instead of with every packaging run
set -euo pipefail
cd "$(dirname "$0")/.."

describe=$(git describe --tags --always --dirty 2>/dev/null || true)
case $describe in
"") version=0.0.0-dev ;;
v[0-9]*) version=${describe#v} ;;
[0-9]*.*) version=$describe ;;
*) version=0.0.0-$describe ;;
esac

case ${1:-} in
"") echo "$version" ;;
numeric)
	if [[ $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+) ]]; then
		echo "${BASH_REMATCH[0]}"
	else
		echo 0.0.0
	fi
	;;
build) git rev-list --count HEAD 2>/dev/null || echo 1 ;;
*)
	echo "usage: $0 [numeric|build]" >&2
	exit 2
	;;
esac
