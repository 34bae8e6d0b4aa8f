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
 *   e2e N         pci_alloc_irq_vectors() and pci_free_irq_vectors() of N
 *                 MSI-X vectors
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
 * with a large MSI-X table (QEMU's virtio-net with vectors=2048, which no
 * other driver claims in the bench kernel).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
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

static struct {
	struct device	*dev;		/* root device: the store benchmarks */
	struct pci_dev	*pdev;		/* MSI-X device: any, e2e */
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
			 unsigned long val)
{
	pr_info("MSIBENCH kernel=%s mem=%s%s n=%u val=%lu\n",
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
	for (i = 0; i < n; i++) {
		for (d = 0; d < ndom; d++)
			msib_lookup(dev, msib_domids[d], i);
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

/* One counter of /sys/kernel/slab/radix_tree_node: "<total> C0=<n> ..." */
static long msib_slab_counter(const char *name)
{
	char path[64], buf[32];
	unsigned long val;
	struct file *f;
	loff_t pos = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/kernel/slab/radix_tree_node/%s", name);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	len = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (len <= 0)
		return len ? len : -EIO;
	buf[len] = '\0';
	strreplace(buf, ' ', '\0');
	if (kstrtoul(strim(buf), 10, &val))
		return -EINVAL;
	return val;
}

/*
 * xarray nodes allocated so far (CONFIG_SLUB_STATS). Read here, not by the
 * guest's shell, so that no process creation (the pid IDR is an xarray
 * too) falls between two readings.
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

/* @n vectors: pci_alloc_irq_vectors(), then pci_free_irq_vectors() */
static int msib_e2e(unsigned int n)
{
	struct pci_dev *pdev = msib.pdev;
	unsigned int rep;
	u64 t, tf;
	int ret;

	if (!pdev)
		return -ENODEV;
	for (rep = 0; rep < reps; rep++) {
		t = ktime_get_ns();
		ret = pci_alloc_irq_vectors(pdev, n, n, PCI_IRQ_MSIX);
		t = ktime_get_ns() - t;
		if (ret < 0) {
			pr_err("pci_alloc_irq_vectors(%u): %d\n", n, ret);
			return ret;
		}
		tf = ktime_get_ns();
		pci_free_irq_vectors(pdev);
		tf = ktime_get_ns() - tf;
		msib_time("e2e-alloc", 1, n, rep, n, t);
		msib_time("e2e-free", 1, n, rep, n, tf);
	}
	return 0;
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

static int msib_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	if (msib.pdev)
		return -EBUSY;
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	msib.pdev = pdev;
	pci_info(pdev, "%d MSI-X entries\n", pci_msix_vec_count(pdev));
	return 0;
}

static void msib_remove(struct pci_dev *pdev)
{
	pci_disable_device(pdev);
	msib.pdev = NULL;
}

static const struct pci_device_id msib_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1000) },	/* virtio-net */
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
	pr_info("kernel %s, %u repetitions, %s\n", MSIB_KERNEL, reps,
		msib.pdev ? pci_name(msib.pdev) : "no MSI-X device");
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
	pci_unregister_driver(&msib_driver);
	root_device_unregister(msib.dev);
}

module_init(msib_init);
module_exit(msib_exit);
MODULE_DESCRIPTION("MSI descriptor store and MSI-X allocation benchmark");
MODULE_LICENSE("GPL");
