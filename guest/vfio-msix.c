// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-msix: MSI-X of a device passed to userspace through vfio-pci.
 *
 * Usage: vfio-msix ADDR noiommu|type1 dyn|nodyn DOMAIN CHIP [rw]
 *
 * Opens the PCI device ADDR, an Intel 82574L (QEMU's e1000e) bound to
 * vfio-pci, through vfio's no-IOMMU mode or the type1 IOMMU, and checks its
 * MSI-X interrupts. Each vector is proven by a real interrupt: the 82574L
 * raises its receive queue 0 cause on a write to ICS, and IVAR routes that
 * cause to any entry of its 5-entry MSI-X table; the interrupt must arrive
 * on the eventfd attached to that entry.
 *
 * dyn: the device's MSI-X vectors can be added while MSI-X is enabled
 * (a per-device MSI-X domain): NORESIZE is absent and eventfds are
 * attached to further entries, detached and attached again while MSI-X
 * stays enabled and the vectors in use keep firing. nodyn: NORESIZE is
 * reported and an entry beyond the count MSI-X was enabled with is
 * refused, as in Linux 6.1. DOMAIN is the irq domain every vector must
 * come from, CHIP the chip name /proc/interrupts must show.
 *
 * The registers are reached through the mmapped BAR0, or with "rw" through
 * the BAR0 region's read() and write() (see scripts/boot.sh for why arm64
 * does that).
 *
 * Prints one "ok N - ..." or "not ok N - ..." line per check, "# irqs:
 * ..." with the Linux irqs the device had, and exits 0 if every check
 * passed. The caller checks that nothing of the device is left after exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

/* 82574L registers and bits (Intel 82574 GbE Controller Datasheet) */
#define E1000_CTRL		0x00000
#define E1000_CTRL_RST		(1u << 26)
#define E1000_STATUS		0x00008
#define E1000_ICR		0x000c0
#define E1000_ICS		0x000c8
#define E1000_IMS		0x000d0
#define E1000_IMC		0x000d8
#define E1000_EIAC		0x000dc
#define E1000_IVAR		0x000e4
#define E1000_ICR_RXQ0		(1u << 20)
#define E1000_IVAR_VALID	(1u << 3)

#define NVEC			5	/* MSI-X table entries of the 82574L */
#define FIRE_TIMEOUT_MS		5000
#define SILENT_MS		500
/*
 * QEMU 7.2's e1000e throttles an MSI-X vector after an interrupt once
 * EITR was written (the e1000e driver did, and QEMU's CTRL_RST keeps it;
 * at least 500, 128 us) and aborts if MSI-X is disabled before that timer
 * ran (e1000e_intrmgr_on_msix_throttling_timer asserts msix_enabled()):
 * wait this long before disabling MSI-X, closing the device or exiting.
 */
#define THROTTLE_US		2000

static const char *addr, *domain, *chip;
static int device = -1;
static volatile uint32_t *regs;		/* NULL: through bar_offset */
static uint64_t bar_offset;
static uint64_t cfg_offset;
static size_t bar_size;
static int efd[NVEC];
static unsigned int nr, failed;

static void __attribute__((format(printf, 2, 3))) check(int good, const char *fmt, ...)
{
	va_list args;

	printf("%s %u - ", good ? "ok" : "not ok", ++nr);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	putchar('\n');
	fflush(stdout);
	if (!good)
		failed++;
}

static void __attribute__((noreturn, format(printf, 1, 2))) bail(const char *fmt, ...)
{
	va_list args;

	printf("not ok %u - ", ++nr);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf(": %s\n# bailing out\n", strerror(errno));
	usleep(THROTTLE_US);
	exit(1);
}

static uint32_t rd(unsigned int reg)
{
	uint32_t val = ~0u;

	if (regs)
		return regs[reg / 4];
	if (pread(device, &val, 4, bar_offset + reg) != 4)
		printf("# BAR0 read at 0x%x failed: %s\n", reg, strerror(errno));
	return val;
}

static void wr(unsigned int reg, uint32_t val)
{
	if (regs)
		regs[reg / 4] = val;
	else if (pwrite(device, &val, 4, bar_offset + reg) != 4)
		printf("# BAR0 write at 0x%x failed: %s\n", reg, strerror(errno));
}

/* Let the device raise the MSI-X vector at table index @index. */
static void fire(unsigned int index)
{
	wr(E1000_IVAR, E1000_IVAR_VALID | index);
	wr(E1000_EIAC, E1000_ICR_RXQ0);
	wr(E1000_IMS, E1000_ICR_RXQ0);
	wr(E1000_ICS, E1000_ICR_RXQ0);
	(void)rd(E1000_STATUS);
}

/* Read and discard what eventfd @index counted so far. */
static void drain(unsigned int index)
{
	uint64_t v;

	while (read(efd[index], &v, sizeof(v)) == sizeof(v))
		;
}

/* Does an interrupt arrive on eventfd @index within @ms milliseconds? */
static int arrives(unsigned int index, int ms)
{
	struct pollfd p = { .fd = efd[index], .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) != 1 || read(efd[index], &v, sizeof(v)) != sizeof(v))
		return 0;
	return v > 0;
}

/*
 * Does the vector at @index deliver an interrupt to its eventfd, and to
 * no other? (The 82574L raises it from the ICS write: by the time it
 * arrived, one on a wrong vector would have too.)
 */
static int fires(unsigned int index)
{
	unsigned int i;

	for (i = 0; i < NVEC; i++)
		drain(i);
	fire(index);
	if (!arrives(index, FIRE_TIMEOUT_MS))
		return 0;
	for (i = 0; i < NVEC; i++) {
		if (i != index && arrives(i, 0)) {
			printf("# firing index %u signalled eventfd %u too\n", index, i);
			return 0;
		}
	}
	return 1;
}

/* Every entry of @mask fires, each on its own eventfd. */
static void fire_all(unsigned int mask, const char *when)
{
	unsigned int i;

	for (i = 0; i < NVEC; i++) {
		if (mask & (1u << i))
			check(fires(i), "index %u fires %s", i, when);
	}
}

/*
 * VFIO_DEVICE_SET_IRQS on MSI-X: attach the eventfds @fds (-1: detach) to
 * @count entries from @start; with @count 0, disable MSI-X. Returns 0 or
 * the errno.
 */
static int set_irqs(unsigned int start, unsigned int count, const int32_t *fds)
{
	char buf[sizeof(struct vfio_irq_set) + NVEC * sizeof(int32_t) + 4];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(*set) + count * sizeof(int32_t);
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		     (count ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->start = start;
	set->count = count;
	if (!count)
		usleep(THROTTLE_US);
	if (count)
		memcpy(set->data, fds, count * sizeof(int32_t));
	return ioctl(device, VFIO_DEVICE_SET_IRQS, set) ? errno : 0;
}

/*
 * Loopback (VFIO_IRQ_SET_DATA_NONE): signal the eventfds of @count entries
 * from @start from the kernel. Returns 0 or the errno.
 */
static int loopback(unsigned int start, unsigned int count)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
		.start = start,
		.count = count,
	};

	return ioctl(device, VFIO_DEVICE_SET_IRQS, &set) ? errno : 0;
}

static int attach(unsigned int start, unsigned int count)
{
	int32_t fds[NVEC];
	unsigned int i;

	for (i = 0; i < count; i++)
		fds[i] = efd[start + i];
	return set_irqs(start, count, fds);
}

static int detach(unsigned int index)
{
	int32_t fd = -1;

	return set_irqs(index, 1, &fd);
}

/*
 * The Linux irq whose handler in /proc/interrupts is vfio-msix[@index] of
 * the device, -1 if none; *@chip_ok says whether its line names CHIP.
 */
static int handler_irq(unsigned int index, int *chip_ok)
{
	char line[1024], name[64];
	FILE *f = fopen("/proc/interrupts", "r");
	int irq = -1;

	if (!f)
		return -1;
	snprintf(name, sizeof(name), " vfio-msix[%u](%s)\n", index, addr);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line), m = strlen(name);

		if (n >= m && !strcmp(line + n - m, name)) {
			irq = atoi(line);
			if (chip_ok)
				*chip_ok = strstr(line, chip) != NULL;
			break;
		}
	}
	fclose(f);
	return irq;
}

/* The device's MSI vectors in sysfs (msi_irqs), as a bit per irq < 1024. */
static int msi_irqs(unsigned char *bits, size_t size)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n = 0;

	memset(bits, 0, size);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", addr);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int irq = atoi(e->d_name);

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (irq >= 0 && (size_t)irq < size * 8)
			bits[irq / 8] |= 1 << (irq % 8);
		n++;
	}
	closedir(d);
	return n;
}

/* The irq domain of a Linux irq (irq debugfs), "" if unknown. */
static const char *irq_domain(int irq)
{
	static char dom[256];
	char path[64], line[512];
	FILE *f;

	dom[0] = 0;
	snprintf(path, sizeof(path), "/sys/kernel/debug/irq/irqs/%d", irq);
	f = fopen(path, "r");
	if (!f)
		return dom;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "domain:", 7)) {
			sscanf(line + 7, " %255s", dom);
			break;
		}
	}
	fclose(f);
	return dom;
}

/*
 * Exactly the entries of @mask have a handler in /proc/interrupts, on
 * CHIP, each from DOMAIN; sysfs lists exactly @nalloc vectors, among them
 * those of the handlers. Fills @irq[] with the handlers' irqs.
 */
static void state_check(unsigned int mask, int nalloc, int irq[NVEC], const char *when)
{
	unsigned char bits[128];
	int listed = msi_irqs(bits, sizeof(bits));
	unsigned int i, handlers = 0, chips = 0, in_sysfs = 0, in_domain = 0;
	char wrong[256] = "";

	for (i = 0; i < NVEC; i++) {
		int c = 0, has, want = (mask >> i) & 1;

		irq[i] = handler_irq(i, &c);
		has = irq[i] >= 0;
		if (has != want)
			snprintf(wrong + strlen(wrong), sizeof(wrong) - strlen(wrong),
				 " [%u]%s", i, has ? "+" : "-");
		if (irq[i] < 0)
			continue;
		handlers++;
		chips += c;
		in_sysfs += irq[i] < 1024 && (bits[irq[i] / 8] & (1 << (irq[i] % 8)));
		in_domain += !strcmp(irq_domain(irq[i]), domain);
	}
	check(!wrong[0], "%s: vfio-msix handlers in /proc/interrupts for exactly the attached entries%s%s",
	      when, wrong[0] ? ", wrong:" : "", wrong);
	check(chips == handlers, "%s: %u of %u handlers on chip %s", when, chips, handlers, chip);
	check(listed == nalloc && in_sysfs == handlers,
	      "%s: msi_irqs lists %d vectors (want %d), %u of the %u handlers' irqs among them",
	      when, listed, nalloc, in_sysfs, handlers);
	check(in_domain == handlers, "%s: %u of %u vectors from domain %s",
	      when, in_domain, handlers, domain);
}

static void open_device(const char *mode, int rw)
{
	char path[PATH_MAX], link[PATH_MAX], *group_id;
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	int type1 = !strcmp(mode, "type1");
	int iommu = type1 ? VFIO_TYPE1_IOMMU : VFIO_NOIOMMU_IOMMU;
	int container, group;
	uint16_t cmd;
	ssize_t n;
	void *bar;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", addr);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		bail("%s has no IOMMU group", addr);
	link[n] = 0;
	group_id = strrchr(link, '/') + 1;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		bail("open /dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(container, VFIO_CHECK_EXTENSION, iommu) != 1)
		bail("container: API version or %s IOMMU not supported", mode);
	snprintf(path, sizeof(path), "/dev/vfio/%s%s", type1 ? "" : "noiommu-", group_id);
	group = open(path, O_RDWR);
	if (group < 0)
		bail("open %s", path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		bail("group %s is not viable", path);
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, iommu))
		bail("set the %s IOMMU for %s", mode, path);
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, addr);
	if (device < 0)
		bail("get the device fd of %s", addr);
	printf("# %s opened through %s (%s IOMMU)\n", addr, path, mode);

	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &reg))
		bail("config region info");
	cfg_offset = reg.offset;
	/* MSI-X messages are memory writes of the device: bus master */
	if (pread(device, &cmd, 2, cfg_offset + PCI_COMMAND) != 2)
		bail("read the command register");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(device, &cmd, 2, cfg_offset + PCI_COMMAND) != 2)
		bail("write the command register");

	memset(&reg, 0, sizeof(reg));
	reg.argsz = sizeof(reg);
	reg.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &reg))
		bail("BAR0 region info");
	bar_offset = reg.offset;
	if (!rw) {
		if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP))
			bail("BAR0 cannot be mmapped");
		bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, device,
			   reg.offset);
		if (bar == MAP_FAILED)
			bail("mmap BAR0");
		regs = bar;
		bar_size = reg.size;
	}

	/* Reset what a previous driver left, keep every cause masked */
	wr(E1000_CTRL, E1000_CTRL_RST);
	usleep(20000);
	wr(E1000_IMC, ~0u);
	(void)rd(E1000_ICR);
}

static void noresize_check(int dyn)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};
	int noresize;

	if (ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &info))
		bail("VFIO_DEVICE_GET_IRQ_INFO");
	noresize = !!(info.flags & VFIO_IRQ_INFO_NORESIZE);
	check(info.count == NVEC, "MSI-X count %u (want %u)", info.count, NVEC);
	check(noresize == !dyn, "MSI-X NORESIZE %s (want %s)",
	      noresize ? "set" : "clear", dyn ? "clear" : "set");
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * failslab's fail-nth of this task (an fd open before the count is set: a
 * file opened after it would take part): set @n, or read what is left of
 * it, 0 once the failure was injected.
 */
static int fail_nth_set(int fd, int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	return pwrite(fd, buf, strlen(buf), 0) == (ssize_t)strlen(buf) ? 0 : -1;
}

static int fail_nth_left(int fd)
{
	char buf[16] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		return -1;
	return atoi(buf);
}

/* The state each try of attach_faults() starts from */
static int faults_start(void)
{
	const int32_t none[2] = { -1, -1 };

	/* 0 and 4 attached, 2 and 3 allocated, 1 not */
	return set_irqs(0, 0, NULL) || attach(0, 1) || attach(2, 3) || set_irqs(2, 2, none);
}

/*
 * Attach entries 1-3 with the n-th slab allocation of this task failing
 * (failslab's fail-nth), for n = 1, 2, ... until the call runs with no
 * failure left to inject; each try starts from the same state
 * (faults_start()), so that each try fails the next allocation of the same
 * sequence. A call that fails must leave exactly 0 and 4 attached; one
 * that passes (the failed allocation was optional: a procfs or debugfs
 * entry) all five. Either way the attached entries fire. An entry's
 * vector, once allocated, may stay until MSI-X is disabled.
 */
static void attach_faults(void)
{
	const char *fs = "/sys/kernel/debug/failslab";
	int irq[NVEC], n, ret = -1, errs = 0, good = 0, left = -1, nth;
	char path[128], verbose[16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/verbose", fs);
	f = fopen(path, "r");
	if (!f || !fgets(verbose, sizeof(verbose), f) || write_file(path, "0")) {
		check(0, "fault injection: no %s (CONFIG_FAILSLAB)", path);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/ignore-gfp-wait", fs);
	write_file(path, "N");
	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	for (n = 1; nth >= 0 && n < 500; n++) {
		unsigned int want, mask = 0, fired = 0, i;

		if (faults_start()) {
			printf("# try %d: the start state could not be set up\n", n);
			break;
		}
		if (fail_nth_set(nth, n))
			break;
		ret = attach(1, 3);
		left = fail_nth_left(nth);
		fail_nth_set(nth, 0);
		if (left)
			break;
		want = ret ? 0x11 : 0x1f;
		errs += ret != 0;
		for (i = 0; i < NVEC; i++) {
			irq[i] = handler_irq(i, NULL);
			mask |= (irq[i] >= 0) << i;
			if ((want & (1u << i)) && fires(i))
				fired |= 1u << i;
		}
		if (mask == want && fired == want)
			good++;
		else
			printf("# allocation %d failed: %s, attached 0x%x, fired 0x%x (want 0x%x)\n",
			       n, strerror(ret), mask, fired, want);
	}
	if (nth >= 0)
		close(nth);
	write_file(path, "Y");
	snprintf(path, sizeof(path), "%s/verbose", fs);
	write_file(path, verbose);
	/*
	 * The passing call made n - left allocations, not always n - 1: some
	 * come from caches (radix tree preloads, kmemleak's pool) which the
	 * tries before refilled.
	 */
	check(n > 1 && left > 0 && !ret,
	      "attach 1-3 passed after %d of its slab allocations were failed one by one, from the same state each time: %s",
	      n - 1, strerror(ret));
	printf("# the passing attach made %d slab allocations\n", n - left);
	check(good == n - 1,
	      "%d of %d calls with a failed allocation (%d returned an error) left exactly the entries attached that should be, each firing",
	      good, n - 1, errs);
}

/* Vectors added, detached and attached again while MSI-X stays enabled */
static void dynamic(void)
{
	int irq[NVEC], again[NVEC], ret;
	int32_t fds[2];

	ret = attach(2, 1);
	check(!ret, "attach index 2 while MSI-X is enabled: %s", strerror(ret));
	fire_all(1u << 0 | 1u << 2, "after attaching 2");
	ret = attach(3, 2);
	check(!ret, "attach indices 3-4 in one call: %s", strerror(ret));
	fire_all(1u << 0 | 1u << 2 | 1u << 3 | 1u << 4, "after attaching 3-4");
	state_check(0x1d, 4, irq, "0,2,3,4 attached");

	fds[0] = efd[1];
	ret = set_irqs(NVEC, 1, fds);
	check(ret == EINVAL, "index %u, beyond the table: %s (want EINVAL)", NVEC, strerror(ret));
	fds[0] = INT_MAX;
	ret = set_irqs(1, 1, fds);
	check(ret == EBADF, "a bad fd at unused index 1: %s (want EBADF)", strerror(ret));
	state_check(0x1d, 4, again, "after the bad fd");

	drain(1);
	ret = loopback(1, 1);
	check(!ret && !arrives(1, SILENT_MS),
	      "loopback on unattached index 1, within the table: %s, nothing signalled", strerror(ret));
	drain(0);
	ret = loopback(0, 1);
	check(!ret && arrives(0, FIRE_TIMEOUT_MS), "loopback on index 0: %s, eventfd 0 signalled",
	      strerror(ret));

	ret = detach(3);
	check(!ret, "detach index 3: %s", strerror(ret));
	state_check(0x15, 4, again, "3 detached (its vector stays allocated)");
	drain(3);
	fire(3);
	check(!arrives(3, SILENT_MS), "index 3 silent while detached");
	fire_all(1u << 0 | 1u << 2 | 1u << 4, "while 3 is detached");
	ret = attach(3, 1);
	check(!ret, "attach index 3 again: %s", strerror(ret));
	state_check(0x1d, 4, again, "3 attached again");
	check(again[3] == irq[3], "index 3 got its irq %d back (now %d)", irq[3], again[3]);
	/* What the device raised while 3 was detached may arrive now */
	usleep(100000);
	fire_all(0x1d, "after attaching 3 again");

	/* A block that fails part-way is detached whole, as in 6.1 */
	fds[0] = efd[2];
	fds[1] = INT_MAX;
	ret = set_irqs(2, 2, fds);
	check(ret == EBADF, "block 2-3 with a bad fd for 3: %s (want EBADF)", strerror(ret));
	state_check(0x11, 4, again, "after the failed block 2-3");
	fire_all(1u << 0 | 1u << 4, "after the failed block");
	attach_faults();
	fire_all(0x1f, "with all 5 attached");
	state_check(0x1f, 5, irq, "all 5 attached");
}

/* 6.1: no entry beyond the count MSI-X was enabled with */
static void fixed(void)
{
	int irq[NVEC], ret;

	ret = attach(2, 1);
	check(ret == EINVAL, "attach index 2 while MSI-X is enabled with 1: %s (want EINVAL)",
	      strerror(ret));
	fire_all(1u << 0, "after the refusal");
	ret = loopback(2, 1);
	check(ret == EINVAL, "loopback on index 2, beyond the enabled count: %s (want EINVAL)",
	      strerror(ret));
	state_check(0x1, 1, irq, "index 0 attached");
}

int main(int argc, char **argv)
{
	int irq[NVEC], dyn, ret;
	unsigned int i;

	if (argc < 6 || argc > 7 || (strcmp(argv[2], "noiommu") && strcmp(argv[2], "type1")) ||
	    (strcmp(argv[3], "dyn") && strcmp(argv[3], "nodyn")) ||
	    (argc == 7 && strcmp(argv[6], "rw"))) {
		fprintf(stderr, "usage: %s ADDR noiommu|type1 dyn|nodyn DOMAIN CHIP [rw]\n",
			argv[0]);
		return 2;
	}
	addr = argv[1];
	dyn = !strcmp(argv[3], "dyn");
	domain = argv[4];
	chip = argv[5];
	for (i = 0; i < NVEC; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (efd[i] < 0)
			bail("eventfd");
	}

	open_device(argv[2], argc == 7);
	noresize_check(dyn);

	ret = attach(0, 1);
	check(!ret, "enable MSI-X with index 0: %s", strerror(ret));
	if (ret)
		return 1;
	fire_all(1u << 0, "after enabling");
	if (dyn)
		dynamic();
	else
		fixed();

	ret = set_irqs(0, 0, NULL);
	check(!ret, "disable MSI-X: %s", strerror(ret));
	state_check(0, 0, irq, "disabled");

	/* QEMU's way: enable with index 0 and no eventfd, then add one */
	{
		const int32_t none = -1;

		ret = set_irqs(0, 1, &none);
		check(!ret, "enable MSI-X with index 0 and no eventfd: %s", strerror(ret));
		ret = attach(3, 1);
		check(dyn ? !ret : ret == EINVAL, "attach index 3: %s (want %s)", strerror(ret),
		      dyn ? "success" : "EINVAL");
		state_check(dyn ? 0x8 : 0, dyn ? 2 : 1, irq, "enabled without eventfd, 3 attached");
		if (dyn)
			fire_all(1u << 3, "enabled without eventfd");
		ret = set_irqs(0, 0, NULL);
		check(!ret, "disable MSI-X: %s", strerror(ret));
	}

	/* The 6.1 way: all at once; then close without disabling */
	ret = attach(0, NVEC);
	check(!ret, "enable MSI-X with all %u entries at once: %s", NVEC, strerror(ret));
	fire_all(0x1f, "enabled with all 5");
	state_check(0x1f, NVEC, irq, "enabled with all 5");
	printf("# irqs:");
	for (i = 0; i < NVEC; i++)
		printf(" %d", irq[i]);
	printf("\n");
	wr(E1000_IMC, ~0u);
	if (regs)
		munmap((void *)regs, bar_size);
	usleep(THROTTLE_US);
	close(device);
	printf("# %u checks, %u failed\n", nr, failed);
	return failed ? 1 : 0;
}
