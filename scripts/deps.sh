#!/usr/bin/env bash
# Install the Debian packages the harness needs, if any are missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	linux-source-6.1 build-essential flex bison bc libelf-dev libssl-dev
	cpio kmod rsync python3 ccache sparse qemu-system-x86 busybox-static
	python3-sphinx python3-sphinx-rtd-theme perl git xz-utils shellcheck python3-ply
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	info "all packages present"
	exit 0
fi

info "installing: ${missing[*]}"
[ "$(id -u)" -eq 0 ] && SUDO=() || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q || die "apt-get update failed"
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	die "apt-get could not install: ${missing[*]}"
fi
for p in "${missing[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		die "package $p is still missing after apt-get install"
done
[ -f "$BASE_TARBALL" ] || die "$BASE_PKG is installed but $BASE_TARBALL is missing"
