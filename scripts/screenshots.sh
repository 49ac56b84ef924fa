#!/usr/bin/env bash
# Takes the README's screenshots of every screen: runs `bin/lanim --demo` (an in-memory office with
# sample data) under Xvfb, walks the screens with xdotool's keyboard, and saves each window to
# docs/screenshots/<theme>-<screen>.png. Usage: scripts/screenshots.sh [dark|light]...
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
themes=("$@")
[ ${#themes[@]} -gt 0 ] || themes=(dark light)

shoot_theme() {
	local theme=$1 cfg
	cfg=$(mktemp -d)
	mkdir -p "$cfg/fyne/com.lanim.app"
	echo "{\"theme\":\"$theme\"}" > "$cfg/fyne/com.lanim.app/preferences.json"
	XDG_CONFIG_HOME=$cfg LANG=en_US.UTF-8 xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
		set -euo pipefail
		theme=$1 out=$2
		open() {
			"$@" >/dev/null 2>&1 &
			pid=$!
			for _ in $(seq 300); do
				win=$(xdotool search --onlyvisible --pid $pid 2>/dev/null | head -1 || true)
				[ -n "$win" ] && break
				sleep 0.1
			done
			xdotool windowmove "$win" 0 0
			xdotool windowfocus --sync "$win"
			sleep 1.5
		}
		key() { for k in "$@"; do xdotool key --delay 60 "$k"; done; sleep 0.8; }
		typ() { xdotool type --delay 20 "$1"; }
		shot() { sleep 0.6; import -window "$win" "$out/$theme-$1.png"; }
		# First start on a fresh data dir: the welcome screen, then the create-office form.
		data=$(mktemp -d)
		open ./bin/lanim --data "$data" --api-addr 127.0.0.1:0 --ws-addr 127.0.0.1:0 --cluster-addr 127.0.0.1:0
		shot welcome
		key Tab Return
		typ "Acme Design Studio"; key Tab; typ "Ann Lee"; key Tab; typ ann
		shot create-office
		kill $pid; wait $pid || true
		rm -rf "$data"
		# The join screen on the demo office (two other offices "on the network"): pick one.
		open ./bin/lanim --demo
		key Tab Tab Tab Tab space
		sleep 1.5
		key shift+Tab shift+Tab space
		shot join-office
		kill $pid; wait $pid || true
		# The demo office for everything else.
		open ./bin/lanim --demo
		trap "kill $pid 2>/dev/null || true" EXIT
		shot signin
		typ ann; key Return; typ lanim-demo; key Return
		sleep 1.5
		shot chats
		key alt+Down
		shot group-chat
		key alt+Down alt+Down
		typ "Looks great, let us ship it on Friday"
		shot chat
		key ctrl+2 Tab Return
		shot friend-requests
		key ctrl+2 Tab Tab Tab Return
		shot contact
		key ctrl+3 Tab Tab Return
		shot group
		key ctrl+3 Tab Return
		shot join-requests
		key ctrl+4
		sleep 1
		shot office
		key ctrl+comma
		shot profile
	' _ "$theme" "$out"
	rm -rf "$cfg"
}

for t in "${themes[@]}"; do
	shoot_theme "$t"
done
echo "screenshots in $out"
