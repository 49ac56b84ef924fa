#!/usr/bin/env bash
# CI check of the .deb (make test-package), as root on Debian 12: an older build of the package installs with
# apt and a node runs on a user's data dir; the new package upgrades it (the data dir stays byte for byte, the
# node comes back as the same computer of the same office with its users, `lanim --version` is the package's);
# purge removes every file the package had and leaves the data dir as it was.
#   scripts/test-deb.sh dist/lanim_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."

deb=$(realpath "${1:?usage: $0 DEB}")
version=$(dpkg-deb -f "$deb" Version)
old_version=0~ci.old # sorts before every real version
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8

fail() {
	echo "test-deb: FAIL: $*" >&2
	exit 1
}
step() { echo "test-deb: $*"; }

((EUID == 0)) || fail "run as root: it installs and purges the package with apt"
if [[ $(dpkg-query -W -f='${Status}' lanim 2>/dev/null || true) != "" &&
	$(dpkg-query -W -f='${Status}' lanim) != *not-installed* ]]; then
	fail "lanim is already installed (or its config is left); purge it first: apt-get purge -y lanim"
fi

work=$(mktemp -d)
node_pid=""
cleanup() {
	[[ -n $node_pid ]] && kill "$node_pid" 2>/dev/null || true
	if dpkg-query -W -f='${Status}' lanim 2>/dev/null | grep -q installed; then
		apt-get purge -y -qq lanim >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

home=$work/home
data=$home/.config/lanim # os.UserConfigDir()/lanim, the app's default data dir
mkdir -p "$home"

# install DEB with apt and checks the installed version.
install() {
	apt-get install -y -qq --no-install-recommends "$1" >"$work/apt.log" 2>&1 || {
		cat "$work/apt.log" >&2
		fail "apt-get install $1"
	}
	local got
	got=$(dpkg-query -W -f='${Version}' lanim)
	[[ $got == "$2" ]] || fail "installed version $got, want $2"
}

# api POST PATH TOKEN BODY: the node's REST API; prints data, fails unless errCode is 0.
api() {
	local out
	out=$(curl -sS --max-time 10 -H 'Content-Type: application/json' -H "operationID: test-deb-$RANDOM" \
		-H "token: $2" -d "$3" "http://$api_addr$1") || fail "POST $1: curl failed"
	[[ $(jq -r .errCode <<<"$out") == 0 ]] || fail "POST $1: $out"
	jq -c .data <<<"$out"
}

# start_node runs the installed lanim as a node on the user's default data dir, until it serves.
start_node() {
	: >"$work/node.log"
	env -u XDG_CONFIG_HOME HOME="$home" lanim node --api-addr 127.0.0.1:0 --ws-addr 127.0.0.1:0 \
		>"$work/node.log" 2>&1 &
	node_pid=$!
	api_addr=""
	for _ in $(seq 300); do
		api_addr=$(sed -n 's|.* ready: api http://\([^ ]*\) .*|\1|p' "$work/node.log")
		[[ -n $api_addr ]] && break
		kill -0 "$node_pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $api_addr ]] || {
		cat "$work/node.log" >&2
		fail "node did not become ready"
	}
	admin=$(api /auth/get_admin_token "" "{\"secret\":\"$(cat "$data/admin-secret")\",\"userID\":\"imAdmin\"}" | jq -r .token)
}

stop_node() {
	kill -TERM "$node_pid"
	wait "$node_pid" || fail "node exited $? after SIGTERM"
	node_pid=""
}

# office prints the office and node IDs the node reports.
office() { api /cluster/status "$admin" '{}' | jq -r '"\(.officeID) \(.nodeID)"'; }

data_sums() { (cd "$data" && find . -type f ! -name lock -exec sha256sum {} + | sort -k2); }

step "older package $old_version, built from $deb"
dpkg-deb -R "$deb" "$work/old"
sed -i "s/^Version: .*/Version: $old_version/" "$work/old/DEBIAN/control"
dpkg-deb --root-owner-group -Znone --build "$work/old" "$work/lanim_old.deb" >/dev/null
install "$work/lanim_old.deb" "$old_version"

step "a node on the user's data dir, with a user"
start_node
api /user/user_register "$admin" '{"users":[{"userID":"bob","nickname":"Bob"}]}' >/dev/null
ids=$(office)
stop_node
sums=$(data_sums)

step "upgrade to $version"
install "$deb" "$version"
[[ $(command -v lanim) == /usr/bin/lanim ]] || fail "lanim on PATH is $(command -v lanim), want /usr/bin/lanim"
got=$(lanim --version 2>/dev/null) || fail "lanim --version exited $?"
[[ $got == "lanim $version" ]] || fail "lanim --version says '$got', want 'lanim $version'"
[[ $(data_sums) == "$sums" ]] || fail "the upgrade changed the user's data dir"
start_node
[[ $(office) == "$ids" ]] || fail "after the upgrade the node reports office/node $(office), before $ids"
[[ $(api /user/get_users_info "$admin" '{"userIDs":["bob"]}' | jq -r '.usersInfo[0].nickname') == Bob ]] ||
	fail "bob is gone after the upgrade"
stop_node
sums=$(data_sums)

step "installed files"
desktop=/usr/share/applications/com.lanim.app.desktop
grep -qx 'Exec=lanim' "$desktop" && grep -qx 'Icon=com.lanim.app' "$desktop" || fail "$desktop: $(cat "$desktop")"
for n in 16 22 24 32 48 64 128 256 512; do
	icon=/usr/share/icons/hicolor/${n}x$n/apps/com.lanim.app.png
	# A PNG's width and height are the big-endian words at bytes 16 and 20.
	size=$(od -An -tx1 -j16 -N8 "$icon" 2>/dev/null | tr -d ' \n')
	[[ $size == "$(printf '%08x%08x' "$n" "$n")" ]] || fail "$icon: IHDR size $size, want $n px"
done
grep -q "github.com/hashicorp/raft" /usr/share/doc/lanim/copyright || fail "copyright lacks the modules' licences"
! ldd /usr/bin/lanim | grep 'not found' || fail "libraries missing"

step "purge"
dpkg -L lanim | sort -r >"$work/files" # deepest first
apt-get purge -y -qq lanim >"$work/apt.log" 2>&1 || {
	cat "$work/apt.log" >&2
	fail "apt-get purge lanim"
}
[[ $(dpkg-query -W -f='${Status}' lanim 2>/dev/null || true) == "" || $(dpkg-query -W -f='${Status}' lanim) == *not-installed* ]] ||
	fail "dpkg still knows lanim: $(dpkg-query -W -f='${Status}' lanim)"
left=0
while read -r path; do
	if [[ -d $path && ! -L $path ]]; then
		# A directory stays when it is another package's or holds something not ours.
		[[ -n $(ls -A "$path") ]] || dpkg-query -S "$path" >/dev/null 2>&1 || {
			echo "test-deb: left behind: $path/" >&2
			left=1
		}
	elif [[ -e $path || -L $path ]]; then
		echo "test-deb: left behind: $path" >&2
		left=1
	fi
done <"$work/files"
((left == 0)) || fail "purge left files of the package"
[[ $(data_sums) == "$sums" ]] || fail "purge changed the user's data dir"
step "ok: $(wc -l <"$work/files") paths installed, upgraded and purged; the data dir is kept"
