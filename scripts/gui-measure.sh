#!/bin/sh
# gui-measure.sh: the desktop app's figures in docs/gui.md, measured under Xvfb (test/gui's
# TestMeasure): start-up to the first window (fresh data dir, then with it), RSS of the demo
# signed in with a chat open, CPU with the window hidden in the tray over 60 s. Medians of
# RUNS runs (default 3). Needs xvfb-run, xdotool, ImageMagick's import and dbus-daemon.
#   make build && scripts/gui-measure.sh
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
LANIM_GUI_SMOKE=1 LANIM_GUI_MEASURE=1 LANIM_GUI_MEASURE_RUNS=$RUNS LANIM_BIN="$PWD/bin/lanim" LANG=en_US.UTF-8 \
	xvfb-run -a -s "-screen 0 1400x900x24" \
	go test -tags sqlite_fts5 -count=1 -timeout 30m -v -run '^TestMeasure$' ./test/gui/ >"$out" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
	cat "$out"
	exit "$status"
fi
grep -E '^ *measure_test.go:[0-9]+: (machine:|\|)' "$out" | sed 's/^ *measure_test.go:[0-9]*: //'
