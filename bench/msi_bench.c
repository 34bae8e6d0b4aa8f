// SPDX-License-Identifier: GPL-2.0
/*
 * msi_bench - MSI descriptor store and MSI-X allocation benchmark
 *
 * Built against the 6.1 base, the patched 6.1 and Debian's 6.12 (see
 * msi_bench_compat.h) and driven by the bench guest (guest/bench-init)
 * through debugfs, one command per write to /sys/kernel/debug/msi_bench/ctl:
 *
 *   store N       insert N descriptors at 0..N-1 of the default domain, look
 *                 each index up, iterate over all, free all
 *   store2 N      the same in two domains of the device at once
 *   any H         dynamic MSI-X: with every other table slot 0..2H-2 taken,
 *                 H allocations at MSI_ANY_INDEX (they fill the holes)
 *   e2e N         pci_alloc_irq_vectors() of N MSI-X vectors, pci_irq_vector()
 *                 of each, pci_free_irq_vectors()
 *   memdev N      the slab memory which enabling N MSI-X vectors on a device
 *                 for the first time takes (one virtio-rng per command)
 *   irq N         N MSI-X interrupts raised by an e1000e, each one awaited
 *   mem N D       build a store of N descriptors in each of D domains, keep
 *                 it and report its memory
 *   free          free what "mem" built
 *   sizes         print the structure sizes
 *
 * Each timed command runs "reps" times. Every result is one kernel log line
 * "msi_bench: MSIBENCH kernel=K work=W n=N rep=R ops=O ns=T" (memory:
 * "mem=WHAT n=N val=V"), which scripts/bench_report.py turns into the
 * table. The
 * store commands use a root device with MSI device data and no irq domain,
 * so the store is measured on its own; "any" and "e2e" use a PCI device
 * with a large MSI-X table (QEMU's virtio-net with vectors=2048), "memdev"
 * one of several virtio-rng devices and "irq" an e1000e (the 82574L raises
 * any of its MSI-X vectors on request). No other driver claims them in the
 * bench kernel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "msi_bench_compat.h"

/* The memory rows assume 64-slot xarray nodes (not CONFIG_BASE_SMALL) */
static_assert(XA_CHUNK_SHIFT == 6, "build the kernel with configs/bench.config");

static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions of each timed command");

struct msib_syms msib_syms;

/* Serializes the commands: one benchmark at a time */
static DEFINE_MUTEX(msib_lock);

#define MSIB_MEMDEVS	16

/* One slab cache's statistics files (CONFIG_SLUB_STATS), open all along */
enum { MSIB_ALLOC_FAST, MSIB_ALLOC_SLOW, MSIB_FREE_FAST, MSIB_FREE_SLOW, MSIB_STATS };

static const char * const msib_stat_names[MSIB_STATS] = {
	"alloc_fastpath", "alloc_slowpath", "free_fastpath", "free_slowpath",
};

struct msib_cache {
	char		name[48];
	unsigned long	size;			/* object_size */
	struct file	*stat[MSIB_STATS];
	long		live;			/* allocations - frees, at a snapshot */
	long		delta;
};

static struct {
	struct device	*dev;		/* root device: the store benchmarks */
	struct pci_dev	*pdev;		/* MSI-X device: any, e2e */
	struct pci_dev	*memdev[MSIB_MEMDEVS];	/* memdev, each used once */
	unsigned int	nr_memdevs;
	unsigned int	next_memdev;
	struct pci_dev	*nic;		/* irq: an e1000e */
	void __iomem	*nic_regs;
	struct msib_cache *caches;
	unsigned int	nr_caches;
	struct dentry	*dir;
	unsigned int	mem_n;		/* what "mem" built, for "free" */
	unsigned int	mem_domains;
} msib;

static const unsigned int msib_domids[2] = { MSIB_FIRST_DOMAIN, MSIB_SECOND_DOMAIN };

/*
 * kallsyms_lookup_name() is not exported either; a kprobe on it tells its
 * address.
 */
static unsigned long msib_kallsyms(const char *name)
{
	static unsigned long (*lookup)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp))
			return 0;
		lookup = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup(name);
}

static int msib_resolve(void)
{
	msib_syms.setup = (void *)msib_kallsyms("msi_setup_device_data");
	msib_syms.insert = (void *)msib_kallsyms(MSIB_INSERT_SYM);
	msib_syms.free = (void *)msib_kallsyms(MSIB_FREE_SYM);
	if (!msib_syms.setup || !msib_syms.insert || !msib_syms.free) {
		pr_err("cannot find msi_setup_device_data, %s or %s\n",
		       MSIB_INSERT_SYM, MSIB_FREE_SYM);
		return -ENOENT;
	}
	return 0;
}

/* Results of the two-domain runs carry a "2" after their name */
static const char *msib_suffix(unsigned int ndom)
{
	return ndom == 2 ? "2" : "";
}

static void msib_time(const char *work, unsigned int ndom, unsigned int n,
		      unsigned int rep, unsigned long ops, u64 ns)
{
	pr_info("MSIBENCH kernel=%s work=%s%s n=%u rep=%u ops=%lu ns=%llu\n",
		MSIB_KERNEL, work, msib_suffix(ndom), n, rep, ops, ns);
}

/* A memory figure: bytes, or a count of xarray nodes */
static void msib_mem_val(const char *what, unsigned int ndom, unsigned int n,
			 long val)
{
	pr_info("MSIBENCH kernel=%s mem=%s%s n=%u val=%ld\n",
		MSIB_KERNEL, what, msib_suffix(ndom), n, val);
}

/* @n descriptors in each of @ndom domains: can the store take them? */
static int msib_store_args(unsigned int n, unsigned int ndom)
{
	if (ndom > MSIB_DOMAINS)
		return -EOPNOTSUPP;
	if (!ndom || !n || n > MSI_MAX_INDEX + 1 || msib.mem_n)
		return -EINVAL;
	return 0;
}

/* Free 0..@n-1 of the first @ndom domains and check the store is empty */
static int msib_store_free(unsigned int n, unsigned int ndom)
{
	struct device *dev = msib.dev;
	unsigned int d;
	int ret = 0;

	msi_lock_descs(dev);
	for (d = 0; d < ndom; d++) {
		msib_free(dev, msib_domids[d], 0, n - 1);
		if (msib_first(dev, msib_domids[d]))
			ret = -EIO;
	}
	msi_unlock_descs(dev);
	if (ret)
		pr_err("descriptors left after freeing 0..%u\n", n - 1);
	return ret;
}

/* Insert 0..@n-1 into each of the first @ndom domains, index by index */
static int msib_store_fill(unsigned int n, unsigned int ndom, u64 *ns)
{
	struct device *dev = msib.dev;
	unsigned int i, d;
	int ret = 0;
	u64 t;

	msi_lock_descs(dev);
	t = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		for (d = 0; d < ndom && !ret; d++)
			ret = msib_insert(dev, msib_domids[d], i);
	}
	*ns = ktime_get_ns() - t;
	msi_unlock_descs(dev);
	if (ret) {
		pr_err("insert at %u failed: %d\n", i - 1, ret);
		msib_store_free(n, ndom);
	}
	return ret;
}

static int msib_store_rep(unsigned int n, unsigned int ndom, unsigned int rep)
{
	unsigned long ops = (unsigned long)n * ndom, seen = 0;
	struct device *dev = msib.dev;
	struct msi_desc *desc;
	unsigned int i, d;
	u64 t;
	int ret;

	ret = msib_store_fill(n, ndom, &t);
	if (ret)
		return ret;
	msib_time("insert", ndom, n, rep, ops, t);

	t = ktime_get_ns();
	if (ndom == 1) {
		/* The default domain, looked up as drivers do */
		for (i = 0; i < n; i++)
			msi_get_virq(dev, i);
	} else {
		for (i = 0; i < n; i++) {
			for (d = 0; d < ndom; d++)
				msib_lookup(dev, msib_domids[d], i);
		}
	}
	msib_time("lookup", ndom, n, rep, ops, ktime_get_ns() - t);

	msi_lock_descs(dev);
	t = ktime_get_ns();
	for (d = 0; d < ndom; d++) {
		for (desc = msib_first(dev, msib_domids[d]); desc;
		     desc = msib_next(dev, msib_domids[d]))
			seen++;
	}
	t = ktime_get_ns() - t;
	msi_unlock_descs(dev);
	if (seen != ops) {
		pr_err("iterated over %lu descriptors, inserted %lu\n", seen, ops);
		msib_store_free(n, ndom);
		return -EIO;
	}
	msib_time("iterate", ndom, n, rep, ops, t);

	msi_lock_descs(dev);
	t = ktime_get_ns();
	for (d = 0; d < ndom; d++)
		msib_free(dev, msib_domids[d], 0, n - 1);
	t = ktime_get_ns() - t;
	msi_unlock_descs(dev);
	msib_time("free", ndom, n, rep, ops, t);
	return msib_store_free(n, ndom);
}

static int msib_store(unsigned int n, unsigned int ndom)
{
	unsigned int rep;
	int ret;

	ret = msib_store_args(n, ndom);
	for (rep = 0; rep < reps && !ret; rep++)
		ret = msib_store_rep(n, ndom, rep);
	return ret;
}

/* xarray nodes below @entry, counted by walking the tree */
static unsigned long msib_nodes(const struct xarray *xa, void *entry)
{
	unsigned long nr = 1;
	struct xa_node *node;
	unsigned int i;

	if (!xa_is_node(entry))
		return 0;
	node = xa_to_node(entry);
	for (i = 0; i < XA_CHUNK_SIZE; i++)
		nr += msib_nodes(xa, xa_entry(xa, node, i));
	return nr;
}

static struct file *msib_slab_file(const char *cache, const char *attr)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, attr);
	return filp_open(path, O_RDONLY, 0);
}

/* The first number in a statistics file: "<total> C0=<n> ..." */
static long msib_read_num(struct file *f)
{
	char buf[32];
	unsigned long val;
	loff_t pos = 0;
	ssize_t len;

	len = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	if (len <= 0)
		return len ? len : -EIO;
	buf[len] = '\0';
	strreplace(buf, ' ', '\0');
	if (kstrtoul(strim(buf), 10, &val))
		return -EINVAL;
	return val;
}

/* One counter of the radix_tree_node cache */
static long msib_slab_counter(const char *name)
{
	struct file *f = msib_slab_file("radix_tree_node", name);
	long val;

	if (IS_ERR(f))
		return PTR_ERR(f);
	val = msib_read_num(f);
	filp_close(f, NULL);
	return val;
}

/*
 * xarray nodes allocated so far (CONFIG_SLUB_STATS). Read here, not by the
 * guest's shell, so that no process creation (the pid IDR is an xarray
 * too) falls between two readings. Allocations, not the live objects of
 * a slab snapshot: the nodes of the previous store are freed through RCU
 * and some of those frees land while the next store is built.
 */
static long msib_node_allocs(void)
{
	long fast = msib_slab_counter("alloc_fastpath");
	long slow = msib_slab_counter("alloc_slowpath");

	if (fast < 0)
		return fast;
	if (slow < 0)
		return slow;
	return fast + slow;
}

/*
 * Build @n descriptors in each of @ndom domains and report their memory:
 * the descriptors' slab objects and the xarray nodes allocated while
 * building (and, where the kernel lets a module see the store, the nodes
 * counted by walking the tree: the two must agree).
 */
static int msib_mem(unsigned int n, unsigned int ndom)
{
	struct device *dev = msib.dev;
	unsigned long bytes = 0;
	struct msi_desc *desc;
	struct xarray *xa;
	unsigned int d;
	long before, after;
	u64 t;
	int ret;

	ret = msib_store_args(n, ndom);
	if (ret)
		return ret;
	/* Twice: the first reading may set up the sysfs files' dentries */
	before = msib_node_allocs();
	before = msib_node_allocs();
	if (before < 0)
		return before;
	ret = msib_store_fill(n, ndom, &t);
	after = msib_node_allocs();
	if (ret)
		return ret;
	msib.mem_n = n;
	msib.mem_domains = ndom;
	if (after < 0)
		return after;
	msib_mem_val("nodes", ndom, n, after - before);

	msi_lock_descs(dev);
	for (d = 0; d < ndom; d++) {
		for (desc = msib_first(dev, msib_domids[d]); desc;
		     desc = msib_next(dev, msib_domids[d]))
			bytes += ksize(desc);
	}
	msib_mem_val("descs", ndom, n, bytes);
	xa = msib_store_xa(dev);
	if (xa) {
		rcu_read_lock();
		bytes = msib_nodes(xa, xa_head(xa));
		rcu_read_unlock();
		msib_mem_val("walked-nodes", ndom, n, bytes);
	}
	msi_unlock_descs(dev);
	return 0;
}

static int msib_mem_free(void)
{
	int ret;

	if (!msib.mem_n)
		return -EINVAL;
	ret = msib_store_free(msib.mem_n, msib.mem_domains);
	msib.mem_n = 0;
	return ret;
}

static int msib_sizes(void)
{
	msib_mem_val("sizeof-msi_desc", 1, 0, sizeof(struct msi_desc));
	/* The slab object holding the devres node and the device data */
	msib_mem_val("devdata-slab", 1, 0, ksize(msib.dev->msi.data));
	return 0;
}

/* Can @pdev (if there is one) enable @n MSI-X vectors? */
static int msib_check_vectors(struct pci_dev *pdev, unsigned int n)
{
	int size;

	if (!pdev)
		return -ENODEV;
	size = pci_msix_vec_count(pdev);
	if (size < 0)
		return size;
	return n && n <= (unsigned int)size ? 0 : -ERANGE;
}

/* pci_irq_vector() of @n vectors, repeated to at least this many lookups */
#define MSIB_VECTOR_LOOKUPS	2048

/*
 * @n vectors: pci_alloc_irq_vectors(), pci_irq_vector() of each,
 * pci_free_irq_vectors()
 */
static int msib_e2e(unsigned int n)
{
	struct pci_dev *pdev = msib.pdev;
	unsigned int rep, i, r, rounds;
	u64 t, tl, tf;
	bool bad = false;
	int ret;

	ret = msib_check_vectors(pdev, n);
	if (ret)
		return ret;
	rounds = DIV_ROUND_UP(MSIB_VECTOR_LOOKUPS, n);
	for (rep = 0; rep < reps && !bad; rep++) {
		/*
		 * No RCU callbacks of the last repetition (interrupt
		 * descriptors, xarray nodes) left to run in this one
		 */
		rcu_barrier();
		t = ktime_get_ns();
		ret = pci_alloc_irq_vectors(pdev, n, n, PCI_IRQ_MSIX);
		t = ktime_get_ns() - t;
		if (ret < 0) {
			pr_err("pci_alloc_irq_vectors(%u): %d\n", n, ret);
			return ret;
		}
		tl = ktime_get_ns();
		for (r = 0; r < rounds; r++) {
			for (i = 0; i < n; i++)
				bad |= pci_irq_vector(pdev, i) <= 0;
		}
		tl = ktime_get_ns() - tl;
		rcu_barrier();
		tf = ktime_get_ns();
		pci_free_irq_vectors(pdev);
		tf = ktime_get_ns() - tf;
		msib_time("e2e-alloc", 1, n, rep, n, t);
		msib_time("e2e-lookup", 1, n, rep, (unsigned long)n * rounds, tl);
		msib_time("e2e-free", 1, n, rep, n, tf);
	}
	if (bad)
		pr_err("pci_irq_vector() failed for one of %u vectors\n", n);
	return bad ? -EIO : 0;
}

/*
 * Slab accounting: every cache's allocation and free counters, read at
 * two snapshots. The statistics files stay open for the whole run, so a
 * snapshot allocates nothing that outlives it (reading one file allocates
 * and frees a small buffer, the same at every snapshot), and the pid IDR
 * and the files of a shell stay out of the count.
 */
struct msib_dirctx {
	struct dir_context	ctx;
	char			(*names)[48];
	unsigned int		nr, max;
	bool			overflow;
};

static bool msib_filldir(struct dir_context *ctx, const char *name, int len,
			 loff_t off, u64 ino, unsigned int type)
{
	struct msib_dirctx *d = container_of(ctx, struct msib_dirctx, ctx);

	/* The aliases of merged caches are symlinks: count each cache once */
	if (type != DT_DIR || name[0] == '.')
		return true;
	if (d->nr == d->max || len >= (int)sizeof(d->names[0])) {
		d->overflow = true;
		return false;
	}
	memcpy(d->names[d->nr], name, len);
	d->names[d->nr++][len] = '\0';
	return true;
}

static void msib_slab_close(void)
{
	unsigned int i, j;

	for (i = 0; i < msib.nr_caches; i++) {
		for (j = 0; j < MSIB_STATS; j++)
			filp_close(msib.caches[i].stat[j], NULL);
	}
	kvfree(msib.caches);
	msib.caches = NULL;
	msib.nr_caches = 0;
}

/* Live objects of every cache now; with @diff, the change since the last */
static int msib_slab_snapshot(bool diff)
{
	struct msib_cache *c;
	unsigned int i, j;
	long v[MSIB_STATS], live;

	for (i = 0; i < msib.nr_caches; i++) {
		c = &msib.caches[i];
		for (j = 0; j < MSIB_STATS; j++) {
			v[j] = msib_read_num(c->stat[j]);
			if (v[j] < 0)
				return v[j];
		}
		live = v[MSIB_ALLOC_FAST] + v[MSIB_ALLOC_SLOW] -
		       v[MSIB_FREE_FAST] - v[MSIB_FREE_SLOW];
		c->delta = diff ? live - c->live : 0;
		c->live = live;
	}
	return 0;
}

static int msib_slab_open(void)
{
	struct msib_dirctx d = { .ctx.actor = msib_filldir, .max = 512 };
	struct msib_cache *c;
	struct file *dir, *f;
	unsigned int i, j;
	long size;
	int ret;

	d.names = kvcalloc(d.max, sizeof(*d.names), GFP_KERNEL);
	if (!d.names)
		return -ENOMEM;
	dir = filp_open("/sys/kernel/slab", O_RDONLY | O_DIRECTORY, 0);
	if (IS_ERR(dir)) {
		ret = PTR_ERR(dir);
		goto out;
	}
	ret = iterate_dir(dir, &d.ctx);
	filp_close(dir, NULL);
	if (!ret && d.overflow)
		ret = -E2BIG;
	if (ret)
		goto out;
	msib.caches = kvcalloc(d.nr, sizeof(*msib.caches), GFP_KERNEL);
	if (!msib.caches) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < d.nr; i++) {
		c = &msib.caches[i];
		strscpy(c->name, d.names[i], sizeof(c->name));
		f = msib_slab_file(c->name, "object_size");
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
			break;
		}
		size = msib_read_num(f);
		filp_close(f, NULL);
		for (j = 0; j < MSIB_STATS && size > 0; j++) {
			c->stat[j] = msib_slab_file(c->name, msib_stat_names[j]);
			if (IS_ERR(c->stat[j]))
				break;
		}
		if (size <= 0 || j < MSIB_STATS) {
			ret = size <= 0 ? -EINVAL : PTR_ERR(c->stat[j]);
			while (j--)
				filp_close(c->stat[j], NULL);
			break;
		}
		c->size = size;
		msib.nr_caches++;
	}
	if (ret) {
		pr_err("slab statistics of %s: %d (CONFIG_SLUB_STATS?)\n",
		       d.names[i], ret);
		msib_slab_close();
	} else {
		/* The first read of each file allocates its buffer, for good */
		ret = msib_slab_snapshot(false);
	}
out:
	kvfree(d.names);
	return ret;
}

/*
 * The change since the last snapshot in bytes; the objects of each cache
 * that changed go to the log, as @what of the current memdev command.
 */
static long msib_slab_report(const char *what, unsigned int n)
{
	struct msib_cache *c;
	long bytes = 0;
	unsigned int i;

	for (i = 0; i < msib.nr_caches; i++) {
		c = &msib.caches[i];
		bytes += c->delta * (long)c->size;
		if (c->delta)
			pr_info("MSIBENCH kernel=%s slab=%s n=%u dev=%u cache=%s size=%lu objs=%ld\n",
				MSIB_KERNEL, what, n, msib.next_memdev, c->name,
				c->size, c->delta);
	}
	return bytes;
}

/*
 * The slab memory a device takes when MSI-X is enabled on it for the first
 * time with @n vectors: everything pci_alloc_irq_vectors() allocates and
 * keeps (per-device domain, its fwnode, names and chip, descriptors,
 * xarray nodes, interrupt descriptors, vector data). Each command uses a
 * device that has never had MSI-X enabled, as a driver's first probe does.
 * The same snapshots without anything in between (the "idle" figure)
 * show what the guest's own activity adds to a measurement.
 */
static int msib_memdev(unsigned int n)
{
	struct pci_dev *pdev;
	long bytes, idle;
	int ret;

	if (msib.next_memdev >= msib.nr_memdevs)
		return -ENODEV;
	pdev = msib.memdev[msib.next_memdev];
	ret = msib_check_vectors(pdev, n);
	if (ret)
		return ret;
	/* Used once, whatever happens next */
	msib.next_memdev++;
	if (!msib.caches) {
		ret = msib_slab_open();
		if (ret)
			return ret;
	}
	/*
	 * Let earlier work's RCU callbacks free what they free, twice: a
	 * task's release queues the put of its credentials from one
	 */
	rcu_barrier();
	rcu_barrier();
	ret = msib_slab_snapshot(false);
	if (ret)
		return ret;
	/* The same as around the enable, with nothing to wait for */
	rcu_barrier();
	ret = msib_slab_snapshot(true);
	if (ret)
		return ret;
	idle = msib_slab_report("idle", n);
	ret = pci_alloc_irq_vectors(pdev, n, n, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	/*
	 * What the enable freed through RCU is not kept: 6.12's interrupt
	 * descriptor tree (an RCU maple tree) replaces nodes that way
	 */
	rcu_barrier();
	ret = msib_slab_snapshot(true);
	pci_free_irq_vectors(pdev);
	if (ret)
		return ret;
	bytes = msib_slab_report("enable", n);
	msib_mem_val("devslab", 1, n, bytes);
	msib_mem_val("devslab-idle", 1, n, idle);
	return 0;
}

/*
 * Interrupt delivery: the e1000e raises its receive queue 0 cause through
 * MSI-X table entry 0 on each write to the interrupt cause set register
 * (auto-cleared, EIAC), with the CPU's interrupts disabled, and the wait
 * that follows is longer than QEMU's interrupt throttling interval (QEMU
 * keeps EITR at its minimum or above: 64 us between two messages of a
 * vector here), so the message is pending in the local APIC. The timed
 * window is local_irq_enable(): the interrupt is taken at once, with its
 * entry, flow handler, the chip's ack, the handler (which counts),
 * irq_exit() and the return. The same window with nothing pending is
 * timed too; the figure is the median difference over the interrupts of
 * a repetition, so a timer tick that falls into one window does not
 * count.
 */
#define E1000_CTRL		0x00000
#define E1000_CTRL_RST		BIT(26)
#define E1000_CTRL_EXT		0x00018
#define E1000_CTRL_EXT_IAME	BIT(27)
#define E1000_ICR		0x000c0
#define E1000_ICS		0x000c8
#define E1000_IMS		0x000d0
#define E1000_IMC		0x000d8
#define E1000_EIAC		0x000dc
#define E1000_IVAR		0x000e4
#define E1000_ICR_RXQ0		BIT(20)
#define E1000_IVAR_VALID	BIT(3)

#define MSIB_IRQ_WAIT_US	500
#define MSIB_IRQ_MAX		1000

static unsigned int msib_irq_count;

static irqreturn_t msib_irq_handler(int irq, void *data)
{
	WRITE_ONCE(msib_irq_count, msib_irq_count + 1);
	return IRQ_HANDLED;
}

/* Time local_irq_enable(), with the device's interrupt pending if @raise */
static u64 msib_irq_window(bool raise)
{
	u64 t;

	local_irq_disable();
	if (raise) {
		writel(E1000_ICR_RXQ0, msib.nic_regs + E1000_ICS);
		udelay(MSIB_IRQ_WAIT_US);
	}
	t = ktime_get_ns();
	local_irq_enable();
	return ktime_get_ns() - t;
}

static int msib_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* One repetition: the median cost of @n interrupts, in @ns */
static int msib_irq_rep(unsigned int n, u64 *cost, u64 *ns)
{
	unsigned int i, before;
	u64 busy, idle;

	for (i = 0; i < n; i++) {
		before = READ_ONCE(msib_irq_count);
		busy = msib_irq_window(true);
		if (READ_ONCE(msib_irq_count) != before + 1)
			return -ETIMEDOUT;
		idle = msib_irq_window(false);
		/* One interrupt per raise: none may come late or twice */
		if (READ_ONCE(msib_irq_count) != before + 1)
			return -EIO;
		cost[i] = busy > idle ? busy - idle : 0;
	}
	sort(cost, n, sizeof(*cost), msib_u64_cmp, NULL);
	*ns = cost[n / 2];
	return 0;
}

static int msib_irq(unsigned int n)
{
	struct pci_dev *pdev = msib.nic;
	void __iomem *regs = msib.nic_regs;
	unsigned int rep;
	u64 *cost, ns;
	int ret, irq;

	if (!pdev)
		return -ENODEV;
	if (!n || n > MSIB_IRQ_MAX)
		return -EINVAL;
	cost = kcalloc(n, sizeof(*cost), GFP_KERNEL);
	if (!cost)
		return -ENOMEM;
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0)
		goto free_cost;
	irq = pci_irq_vector(pdev, 0);
	ret = request_irq(irq, msib_irq_handler, 0, "msi_bench", &msib);
	if (ret)
		goto free_vectors;
	/*
	 * Table entry 0 for the cause, auto-cleared when sent; IAME keeps the
	 * cause unmasked after each (without it QEMU clears it from IMS)
	 */
	writel(E1000_IVAR_VALID, regs + E1000_IVAR);
	writel(E1000_ICR_RXQ0, regs + E1000_EIAC);
	writel(readl(regs + E1000_CTRL_EXT) | E1000_CTRL_EXT_IAME, regs + E1000_CTRL_EXT);
	writel(E1000_ICR_RXQ0, regs + E1000_IMS);
	/* The first interrupt of a vector is not timed */
	ret = msib_irq_rep(1, cost, &ns);
	for (rep = 0; rep < reps && !ret; rep++) {
		ret = msib_irq_rep(n, cost, &ns);
		if (!ret)
			msib_time("irq", 1, n, rep, 1, ns);
	}
	if (ret)
		pr_err("interrupt %u of the e1000e did not arrive\n", msib_irq_count + 1);
	writel(~0U, regs + E1000_IMC);
	readl(regs + E1000_ICR);
	free_irq(irq, &msib);
free_vectors:
	pci_free_irq_vectors(pdev);
free_cost:
	kfree(cost);
	return ret;
}

/*
 * Dynamic MSI-X into a half-full table: slots 0, 2, .., 2h-2 are taken,
 * then @h allocations at MSI_ANY_INDEX must get 1, 3, .., 2h-1.
 */
static int msib_any_rep(unsigned int h, unsigned int rep)
{
	struct pci_dev *pdev = msib.pdev;
	unsigned int i;
	int ret, idx;
	u64 t;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	for (i = 1; i < h; i++) {
		idx = msib_msix_alloc_at(pdev, 2 * i);
		if (idx != 2 * i) {
			pr_err("MSI-X allocation at %u: %d\n", 2 * i, idx);
			ret = idx < 0 ? idx : -EIO;
			goto out;
		}
	}
	rcu_barrier();
	t = ktime_get_ns();
	for (i = 0; i < h; i++) {
		idx = msib_msix_alloc_any(pdev);
		if (idx != 2 * i + 1)
			break;
	}
	t = ktime_get_ns() - t;
	if (i < h) {
		pr_err("MSI_ANY_INDEX gave %d, expected %u\n", idx, 2 * i + 1);
		ret = idx < 0 ? idx : -EIO;
		goto out;
	}
	msib_time("any", 1, h, rep, h, t);
	ret = 0;
out:
	pci_free_irq_vectors(pdev);
	return ret;
}

static int msib_any(unsigned int h)
{
	unsigned int rep;
	int ret = 0;

	if (!msib.pdev)
		return -ENODEV;
	if (!msib_msix_can_alloc_dyn(msib.pdev))
		return -EOPNOTSUPP;
	if (!h || 2 * h > (unsigned int)pci_msix_vec_count(msib.pdev))
		return -ERANGE;
	for (rep = 0; rep < reps && !ret; rep++)
		ret = msib_any_rep(h, rep);
	return ret;
}

static int msib_command(char *cmd)
{
	unsigned int a = 0, b = 0;
	char word[8];

	if (sscanf(cmd, "%7s %u %u", word, &a, &b) < 1)
		return -EINVAL;
	if (!strcmp(word, "store"))
		return msib_store(a, 1);
	if (!strcmp(word, "store2"))
		return msib_store(a, 2);
	if (!strcmp(word, "any"))
		return msib_any(a);
	if (!strcmp(word, "e2e"))
		return msib_e2e(a);
	if (!strcmp(word, "memdev"))
		return msib_memdev(a);
	if (!strcmp(word, "irq"))
		return msib_irq(a);
	if (!strcmp(word, "mem"))
		return msib_mem(a, b);
	if (!strcmp(word, "free"))
		return msib_mem_free();
	if (!strcmp(word, "sizes"))
		return msib_sizes();
	return -EINVAL;
}

static ssize_t msib_ctl_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char buf[64];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	mutex_lock(&msib_lock);
	ret = msib_command(buf);
	mutex_unlock(&msib_lock);
	if (ret)
		pr_err("command '%s': %d\n", strim(buf), ret);
	return ret ? ret : count;
}

static const struct file_operations msib_ctl_fops = {
	.owner	= THIS_MODULE,
	.write	= msib_ctl_write,
};

/* The bench devices QEMU provides (scripts/bench.sh) */
enum { MSIB_DEV_NET, MSIB_DEV_RNG, MSIB_DEV_NIC };

static int msib_probe_nic(struct pci_dev *pdev)
{
	void __iomem *regs;

	regs = pci_iomap(pdev, 0, 0);
	if (!regs)
		return -ENOMEM;
	pci_set_master(pdev);
	/* Reset the device, keep every cause masked */
	writel(E1000_CTRL_RST, regs + E1000_CTRL);
	msleep(20);
	writel(~0U, regs + E1000_IMC);
	readl(regs + E1000_ICR);
	msib.nic_regs = regs;
	msib.nic = pdev;
	return 0;
}

static int msib_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	switch (id->driver_data) {
	case MSIB_DEV_NET:
		if (msib.pdev)
			return -EBUSY;
		break;
	case MSIB_DEV_RNG:
		if (msib.nr_memdevs == MSIB_MEMDEVS)
			return -EBUSY;
		break;
	case MSIB_DEV_NIC:
		if (msib.nic)
			return -EBUSY;
		break;
	}
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	switch (id->driver_data) {
	case MSIB_DEV_NET:
		msib.pdev = pdev;
		break;
	case MSIB_DEV_RNG:
		msib.memdev[msib.nr_memdevs++] = pdev;
		break;
	case MSIB_DEV_NIC:
		ret = msib_probe_nic(pdev);
		if (ret) {
			pci_disable_device(pdev);
			return ret;
		}
		break;
	}
	pci_set_drvdata(pdev, (void *)id->driver_data);
	pci_info(pdev, "%d MSI-X entries\n", pci_msix_vec_count(pdev));
	return 0;
}

static void msib_remove(struct pci_dev *pdev)
{
	unsigned int i;

	/* Not while a command uses the device */
	mutex_lock(&msib_lock);
	switch ((unsigned long)pci_get_drvdata(pdev)) {
	case MSIB_DEV_NET:
		msib.pdev = NULL;
		break;
	case MSIB_DEV_RNG:
		for (i = 0; i < msib.nr_memdevs; i++) {
			if (msib.memdev[i] == pdev)
				msib.memdev[i] = NULL;
		}
		break;
	case MSIB_DEV_NIC:
		writel(~0U, msib.nic_regs + E1000_IMC);
		pci_clear_master(pdev);
		pci_iounmap(pdev, msib.nic_regs);
		msib.nic = NULL;
		break;
	}
	mutex_unlock(&msib_lock);
	pci_disable_device(pdev);
}

static const struct pci_device_id msib_ids[] = {
	/* virtio-net, virtio-rng (transitional IDs), the 82574L */
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1000), .driver_data = MSIB_DEV_NET },
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1005), .driver_data = MSIB_DEV_RNG },
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, 0x10d3), .driver_data = MSIB_DEV_NIC },
	{ }
};

static struct pci_driver msib_driver = {
	.name		= "msi_bench",
	.id_table	= msib_ids,
	.probe		= msib_probe,
	.remove		= msib_remove,
};

static int __init msib_init(void)
{
	int ret;

	ret = msib_resolve();
	if (ret)
		return ret;
	msib.dev = root_device_register("msi_bench");
	if (IS_ERR(msib.dev))
		return PTR_ERR(msib.dev);
	ret = msib_syms.setup(msib.dev);
	if (ret)
		goto unregister;
	ret = pci_register_driver(&msib_driver);
	if (ret)
		goto unregister;
	msib.dir = debugfs_create_dir("msi_bench", NULL);
	debugfs_create_file("ctl", 0200, msib.dir, NULL, &msib_ctl_fops);
	pr_info("kernel %s, %u repetitions, %s, %u virtio-rng, %s\n", MSIB_KERNEL,
		reps, msib.pdev ? pci_name(msib.pdev) : "no virtio-net",
		msib.nr_memdevs, msib.nic ? pci_name(msib.nic) : "no e1000e");
	return 0;

unregister:
	root_device_unregister(msib.dev);
	return ret;
}

static void __exit msib_exit(void)
{
	debugfs_remove_recursive(msib.dir);
	if (msib.mem_n)
		msib_mem_free();
	msib_slab_close();
	pci_unregister_driver(&msib_driver);
	root_device_unregister(msib.dev);
}

module_init(msib_init);
module_exit(msib_exit);
MODULE_DESCRIPTION("MSI descriptor store and MSI-X allocation benchmark");
MODULE_LICENSE("GPL");
