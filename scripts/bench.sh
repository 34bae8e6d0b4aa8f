#!/usr/bin/env bash
# make bench: the MSI store and MSI-X allocation benchmark (BENCHMARKS.md).
#
# Builds three kernels from configs/bench.config (the 6.1 base, the 6.1
# work tree with the series, Debian's 6.12 with bench/linux-6.12-*.patch),
# builds bench/msi_bench.c against each, boots each in QEMU with
# -icount shift=0 (guest time = instructions executed, repeatable), a
# virtio-net with 2048 MSI-X entries, an e1000e and virtio-rng devices,
# and prints one table; CSV, JSON and a PNG chart go to build/bench/.
#
#   bench.sh          all three kernels, full sizes
#   QUICK=1 bench.sh  base and patched, small sizes (a few minutes once the
#                     kernels are built)
#   bench.sh smoke    make test: build the patched bench kernel and the
#                     module, run the patched guest with the QUICK sizes
#                     (the module must not rot; no table is judged)
#   ICOUNT=0          wall-clock guest time instead (TCG: noisy)
#   BENCH_KERNELS="patched upstream"   only these kernels
set -euo pipefail
. "$(dirname "$0")/lib.sh"

QUICK=${QUICK:-0}
ICOUNT=${ICOUNT:-1}
export ICOUNT # for bench_report.py's chart title
BENCH=$BUILD/bench
UP_WT=$BUILD/linux-6.12
UP_PATCH=$ROOT/bench/linux-6.12-secondary-domain.patch
BASE_WT=$BUILD/bench-base
REPS=5

# make test's smoke run keeps out of the directory of the recorded run
[ "${1:-}" != smoke ] || { QUICK=1; BENCH=$BUILD/bench-smoke; }
if [ "$QUICK" = 1 ]; then
	KERNELS=(base patched)
	STORE_N="64 2048" ANY_H="64" E2E_N="8 64" MEM_N="64 2048"
	MEMDEV_N="1" IRQ_N="50"
else
	KERNELS=(base patched upstream)
	STORE_N="64 2048 65535" ANY_H="64 1024" E2E_N="8 64 256 1024 2048"
	MEM_N="64 2048 65535" MEMDEV_N="1 8 64" IRQ_N="200"
fi

[ -z "${BENCH_KERNELS:-}" ] || read -ra KERNELS <<<"$BENCH_KERNELS"

# virtio-rng devices for the per-device memory rows, one per measurement
# (msi_bench.c takes at most MSIB_MEMDEVS, 16)
read -ra memdev_n <<<"$MEMDEV_N"
MEMDEVS=$((REPS * ${#memdev_n[@]}))
[ "$MEMDEVS" -le 16 ] || die "MEMDEV_N x REPS = $MEMDEVS devices, msi_bench takes 16"

tree_of() {
	case $1 in
	base) echo "$BASE_WT" ;;
	patched) echo "$WT" ;;
	upstream) echo "$UP_WT" ;;
	esac
}

# Debian's 6.12 (the pinned revision) as a git tree: one commit, then
# the bench patch.
prepare_upstream() {
	local stamp=$UP_WT/.git/bench-stamp want
	verify_pin "$PEER_PKG"
	want=$(sha256sum "$PEER_TARBALL" "$UP_PATCH" | sha256sum | cut -d' ' -f1)
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
	info "unpacking $PEER_TARBALL"
	rm -rf "$UP_WT"
	mkdir -p "$UP_WT"
	tar -C "$UP_WT" --strip-components=1 -xf "$PEER_TARBALL"
	git -C "$UP_WT" init -q -b bench
	git -C "$UP_WT" config user.name "$TEAM_NAME"
	git -C "$UP_WT" config user.email "$TEAM_EMAIL"
	git -C "$UP_WT" config gc.auto 0
	git -C "$UP_WT" add -A -f .
	GIT_AUTHOR_DATE=$FIXED_DATE GIT_COMMITTER_DATE=$FIXED_DATE \
		git -C "$UP_WT" commit -q -m "Linux $(make -s -C "$UP_WT" kernelversion) (Debian $PEER_PKG $PEER_DEB_VERSION)"
	git -C "$UP_WT" am -q "$UP_PATCH" || die "$UP_PATCH does not apply"
	echo "$want" >"$stamp"
}

prepare() {
	case $1 in
	base) check_tree "$BASE_WT" ;;
	patched) need_tree ;;
	upstream) prepare_upstream ;;
	esac
}

kernel_out() { echo "$OUT/bench-$1"; }

build_kernel() {
	local name=$1 tree out
	tree=$(tree_of "$name")
	out=$(kernel_out "$name")
	WT=$tree LENIENT=1 "$ROOT/scripts/kconfig.sh" "$out" "$ROOT/configs/bench.config"
	info "building the $name bench kernel in $out"
	"${KMAKE[@]}" -C "$tree" O="$out" >"$out/build.log" 2>&1 || {
		grep -E 'error|Error' "$out/build.log" | head -n 30
		die "$name bench kernel build failed (log: $out/build.log)"
	}
}

# The module, with W=1 and warnings as errors, in a directory per kernel
build_module() {
	local name=$1 mod=$BENCH/mod-$1
	rm -rf "$mod"
	mkdir -p "$mod"
	cp "$ROOT"/bench/{Kbuild,msi_bench.c,msi_bench_compat.h} "$mod/"
	"${KMAKE[@]}" -C "$(tree_of "$name")" O="$(kernel_out "$name")" M="$mod" \
		W=1 KCFLAGS=-Werror modules >"$mod/build.log" 2>&1 || {
		cat "$mod/build.log"
		die "msi_bench does not build against the $name kernel"
	}
}

run_guest() {
	local name=$1 run=$BENCH/run-$1 log=$BENCH/$1.log domains=1 any=
	local icount=() rngs=() i
	[ "$name" = base ] || { domains=2 any=$ANY_H; }
	rm -rf "$run"
	mkdir -p "$run"/initramfs/{bin,dev,etc,proc,sys}
	cp /bin/busybox "$run/initramfs/bin/busybox"
	cp "$ROOT/guest/bench-init" "$run/initramfs/init"
	chmod +x "$run/initramfs/init"
	cp "$BENCH/mod-$name/msi_bench.ko" "$run/initramfs/"
	cat >"$run/initramfs/etc/bench.conf" <<CONF
REPS="$REPS"
STORE_N="$STORE_N"
DOMAINS="$domains"
ANY_H="$any"
E2E_N="$E2E_N"
MEM_N="$MEM_N"
MEMDEV_N="$MEMDEV_N"
IRQ_N="$IRQ_N"
CONF
	(cd "$run/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$run/initramfs.cpio.gz"
	[ "$ICOUNT" = 1 ] && icount=(-icount "shift=0,sleep=off")
	for i in $(seq 1 "$MEMDEVS"); do
		rngs+=(-device "virtio-rng-pci,vectors=64,addr=$(printf '%x' $((i + 4)))")
	done
	info "running the $name kernel (log: $log)"
	timeout 3600 qemu-system-x86_64 -M q35 -smp 1 -m 2G "${icount[@]}" \
		-nographic -no-reboot -monitor none -serial stdio \
		-kernel "$(kernel_out "$name")/arch/x86/boot/bzImage" \
		-initrd "$run/initramfs.cpio.gz" \
		-append "console=ttyS0 loglevel=7 panic=-1" \
		-netdev user,id=bn -device virtio-net-pci,netdev=bn,vectors=2048,addr=03 \
		-netdev user,id=be -device e1000e,netdev=be,addr=04 "${rngs[@]}" \
		</dev/null >"$log" 2>&1 || true
	grep -q "MSIBENCH-END ok" "$log" || {
		tail -n 30 "$log"
		die "the $name bench guest did not finish (log: $log)"
	}
}

mkdir -p "$BENCH"
if [ "${1:-}" = smoke ]; then
	"$ROOT/scripts/deps.sh"
	prepare patched
	build_kernel patched
	build_module patched
	pass "bench: msi_bench.ko builds against the patched bench kernel (W=1, -Werror)"
	run_guest patched
	if python3 "$ROOT/scripts/bench_report.py" "$BENCH" "patched=$BENCH/patched.log" >"$BENCH/smoke.txt"; then
		pass "bench: every workload runs on the patched kernel; slab node counts agree with the tree"
	else
		fail "bench: the patched guest reported errors ($BENCH/patched.log)"
	fi
	exit 0
fi
case " ${KERNELS[*]} " in
*" upstream "*) "$ROOT/scripts/deps.sh" gnuplot-nox "$PEER_PKG" ;;
*) "$ROOT/scripts/deps.sh" gnuplot-nox ;;
esac
start=$(date +%s)
for k in "${KERNELS[@]}"; do
	prepare "$k"
	build_kernel "$k"
	build_module "$k"
done
logs=()
for k in "${KERNELS[@]}"; do
	run_guest "$k"
	logs+=("$k=$BENCH/$k.log")
done
{
	printf 'msi_bench, %s, QEMU %s TCG%s, -smp 1, %s repetitions\n' \
		"$(date -u +%Y-%m-%dT%H:%MZ)" \
		"$(qemu-system-x86_64 --version | head -n 1 | sed 's/.*version //')" \
		"$([ "$ICOUNT" = 1 ] && echo ' -icount shift=0 (ns = guest instructions)')" "$REPS"
	python3 "$ROOT/scripts/bench_report.py" "$BENCH" "${logs[@]}"
} | tee "$BENCH/bench.txt"
info "$(( $(date +%s) - start )) s; table, bench.csv, bench.json and bench.png in $BENCH"
