/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MSI descriptor store and dynamic MSI-X calls of the three kernel
 * generations msi_bench.c runs on, behind one set of inline wrappers:
 *
 *  - MSIB_BASE:     Linux 6.1 as Debian ships it. One store per device, no
 *                   domain IDs, no dynamic MSI-X.
 *  - MSIB_PATCHED:  6.1 with this series. One store per device, segmented
 *                   by domain ID (MSI_ANY_INDEX is defined).
 *  - MSIB_UPSTREAM: Debian's 6.12. One xarray per domain ID. Its second
 *                   domain ID (MSI_SECONDARY_DOMAIN) comes from the bench
 *                   patch bench/linux-6.12-secondary-domain.patch.
 *
 * The store functions that a kernel does not export are called through
 * pointers found with kallsyms_lookup_name(); so that no kernel pays for
 * an indirect call the others do not, the insert and free calls go through
 * pointers on all three.
 */
#ifndef MSI_BENCH_COMPAT_H
#define MSI_BENCH_COMPAT_H

#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define MSIB_UPSTREAM		1
#define MSIB_KERNEL		"upstream"
#define MSIB_DOMAINS		2
#define MSIB_FIRST_DOMAIN	MSI_DEFAULT_DOMAIN
#define MSIB_SECOND_DOMAIN	MSI_SECONDARY_DOMAIN
#define MSIB_INSERT_SYM		"msi_domain_insert_msi_desc"
#define MSIB_FREE_SYM		"msi_domain_free_msi_descs_range"
#elif defined(MSI_ANY_INDEX)
#define MSIB_PATCHED		1
#define MSIB_KERNEL		"patched"
#define MSIB_DOMAINS		2
#define MSIB_FIRST_DOMAIN	MSI_DEFAULT_DOMAIN
#define MSIB_SECOND_DOMAIN	MSI_IMS_DOMAIN
#define MSIB_INSERT_SYM		"msi_domain_insert_msi_desc"
#define MSIB_FREE_SYM		"msi_domain_free_msi_descs_range"
#else
#define MSIB_BASE		1
#define MSIB_KERNEL		"base"
#define MSIB_DOMAINS		1
#define MSIB_FIRST_DOMAIN	0
#define MSIB_SECOND_DOMAIN	0
#define MSIB_INSERT_SYM		"msi_add_msi_desc"
#define MSIB_FREE_SYM		"msi_free_msi_descs_range"
#endif

/* Store functions that are not exported, resolved by msib_resolve() */
struct msib_syms {
	int	(*setup)(struct device *dev);
#ifdef MSIB_BASE
	int	(*insert)(struct device *dev, struct msi_desc *init_desc);
	void	(*free)(struct device *dev, enum msi_desc_filter filter,
			unsigned int first, unsigned int last);
#elif defined(MSIB_PATCHED)
	int	(*insert)(struct device *dev, unsigned int domid,
			  struct msi_desc *init_desc);
	void	(*free)(struct device *dev, unsigned int domid,
			enum msi_desc_filter filter, unsigned int first,
			unsigned int last);
#else
	int	(*insert)(struct device *dev, unsigned int domid,
			  struct msi_desc *init_desc);
	void	(*free)(struct device *dev, unsigned int domid,
			unsigned int first, unsigned int last);
#endif
};

extern struct msib_syms msib_syms;

/* Insert a descriptor without interrupt at @index of @domid. Mutex held. */
static inline int msib_insert(struct device *dev, unsigned int domid,
			      unsigned int index)
{
	struct msi_desc init = { .nvec_used = 1, .msi_index = index };

#ifdef MSIB_BASE
	return msib_syms.insert(dev, &init);
#else
	return msib_syms.insert(dev, domid, &init);
#endif
}

/* Free the descriptors at @first..@last of @domid. Mutex held. */
static inline void msib_free(struct device *dev, unsigned int domid,
			     unsigned int first, unsigned int last)
{
#ifdef MSIB_BASE
	msib_syms.free(dev, MSI_DESC_ALL, first, last);
#elif defined(MSIB_PATCHED)
	msib_syms.free(dev, domid, MSI_DESC_ALL, first, last);
#else
	msib_syms.free(dev, domid, first, last);
#endif
}

/* Look up @index of @domid as drivers do. Takes the mutex itself. */
static inline unsigned int msib_lookup(struct device *dev, unsigned int domid,
				       unsigned int index)
{
#ifdef MSIB_BASE
	return msi_get_virq(dev, index);
#else
	return msi_domain_get_virq(dev, domid, index);
#endif
}

/* Iterate over all descriptors of @domid. Mutex held. */
static inline struct msi_desc *msib_first(struct device *dev, unsigned int domid)
{
#ifdef MSIB_BASE
	return msi_first_desc(dev, MSI_DESC_ALL);
#else
	return msi_domain_first_desc(dev, domid, MSI_DESC_ALL);
#endif
}

/* The series remembers the domain of the walk; 6.12 asks for it again */
static inline struct msi_desc *msib_next(struct device *dev, unsigned int domid)
{
#ifdef MSIB_UPSTREAM
	return msi_next_desc(dev, domid, MSI_DESC_ALL);
#else
	return msi_next_desc(dev, MSI_DESC_ALL);
#endif
}

#ifdef MSIB_BASE
static inline bool msib_msix_can_alloc_dyn(struct pci_dev *pdev)
{
	return false;
}

static inline int msib_msix_alloc_any(struct pci_dev *pdev)
{
	return -EOPNOTSUPP;
}

static inline int msib_msix_alloc_at(struct pci_dev *pdev, unsigned int index)
{
	return -EOPNOTSUPP;
}
#else
static inline bool msib_msix_can_alloc_dyn(struct pci_dev *pdev)
{
	return pci_msix_can_alloc_dyn(pdev);
}

/* Dynamic MSI-X: allocate at @index. Return: the index or a -errno. */
static inline int msib_msix_alloc_at(struct pci_dev *pdev, unsigned int index)
{
	return pci_msix_alloc_irq_at(pdev, index, NULL).index;
}

static inline int msib_msix_alloc_any(struct pci_dev *pdev)
{
	return msib_msix_alloc_at(pdev, MSI_ANY_INDEX);
}
#endif

/*
 * The store's xarray, for counting its nodes, where the kernel lets a
 * module see it (6.12 keeps struct msi_device_data private).
 */
#ifdef MSIB_UPSTREAM
static inline struct xarray *msib_store_xa(struct device *dev)
{
	return NULL;
}
#else
static inline struct xarray *msib_store_xa(struct device *dev)
{
	return &dev->msi.data->__store;
}
#endif

#endif /* MSI_BENCH_COMPAT_H */
