# Per-device MSI domains for Linux 6.1: the patch series and its checks.
# See README.md.  Every target installs what it needs.
S := scripts

.PHONY: help run test bench deps tree export rebase kernel kunit boot check bisect clean

help:
	@echo "make run      build the patched kernel, boot it in QEMU, print the MSI report"
	@echo "make test     everything CI checks"
	@echo "make tree     base + series as git commits in build/linux"
	@echo "make export   write build/linux's commits back to patches/"
	@echo "make rebase   move the pinned base (and bench peer) to the newest Debian revision"
	@echo "make bench    benchmark: 6.1 base, patched 6.1 and 6.12 side by side (QUICK=1: small)"
	@echo "make kunit | boot | check | bisect   the parts of 'make test'"

run: kernel
	$(S)/boot.sh

test:
	$(S)/test.sh

bench: tree
	QUICK=$(QUICK) $(S)/bench.sh

deps:
	$(S)/deps.sh

tree: deps
	$(S)/tree.sh

export:
	$(S)/export.sh

rebase:
	$(S)/rebase.sh

kernel: tree
	$(S)/kernel.sh

kunit: tree
	$(S)/kunit.sh

boot: kernel
	$(S)/boot.sh

check: tree
	$(S)/check.sh

bisect: tree
	$(S)/bisect.sh

clean:
	rm -rf build/out build/boot
