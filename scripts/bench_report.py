#!/usr/bin/env python3
"""Turn the bench guests' serial logs into the benchmark table.

bench_report.py OUTDIR NAME=LOG...   (NAME: base, patched or upstream)

Reads the "MSIBENCH" lines of each log (scripts/bench.sh, guest/bench-init,
bench/msi_bench.c), prints the table (median of the repetitions with min
and max, ratios patched/base and patched/6.12) and the slab caches of a
device's first MSI-X enable, and writes OUTDIR/bench.csv, OUTDIR/bench.json,
and OUTDIR/bench.png (gnuplot): each kernel's figures relative to the base.
"""
import json
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

KERNELS = ("base", "patched", "upstream")
TITLE = {"base": "6.1 base", "patched": "6.1+series", "upstream": "6.12"}

# (work key, label, targets)
# targets: [(kernel the ratio is against, the ratio at most), ...]
# What drivers call (msi_get_virq(), pci_irq_vector(), pci_free_irq_vectors())
# must stay within 1.05x of the base and at or below 6.12 (issue 17).
DRIVER = [("base", 1.05), ("upstream", 1.0)]
STORE = [("insert", "insert", [("base", 1.10)]),
         ("lookup", "lookup (msi_get_virq)", DRIVER),
         ("iterate", "iterate", None),
         ("free", "free", [("base", 1.10)])]
STORE2 = [("insert2", "insert, 2 domains", [("upstream", 1.0)]),
          ("lookup2", "lookup, 2 domains", [("upstream", 1.0)]),
          ("iterate2", "iterate, 2 domains", [("upstream", 1.0)]),
          ("free2", "free, 2 domains", [("upstream", 1.0)])]
LINE = re.compile(r"MSIBENCH (.*)$")


def parse(path):
    """Samples of one log: {(kind, key, n): [value per repetition]}; the
    slab objects of each memdev command: {(what, n, dev): {cache: (size,
    objects)}} under the key "slab"."""
    samples = defaultdict(list)
    slab = defaultdict(dict)
    errors = []
    done = False
    with open(path, errors="replace") as f:
        for line in f:
            if "MSIBENCH-ERROR" in line or "msi_bench: command" in line:
                errors.append(line.strip())
            if "MSIBENCH-END ok" in line:
                done = True
            m = LINE.search(line)
            if not m:
                continue
            kv = dict(f.split("=", 1) for f in m.group(1).split() if "=" in f)
            n = int(kv.get("n", 0))
            if "slab" in kv:
                slab[(kv["slab"], n, int(kv["dev"]))][kv["cache"]] = (
                    int(kv["size"]), int(kv["objs"]))
            elif "work" in kv:
                samples[("time", kv["work"], n)].append(
                    int(kv["ns"]) / int(kv["ops"]))
            elif "mem" in kv:
                samples[("mem", kv["mem"], n)].append(int(kv["val"]))
    if not done:
        errors.append("the guest did not finish (no MSIBENCH-END ok)")
    samples["slab"] = slab
    return samples, errors


def stat(values):
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "reps": len(values)}


def memory_rows(samples):
    """Memory of the store: xarray nodes (slab allocations) x node size
    plus the descriptors' slab bytes, per kernel."""
    out = {}
    node = samples.get(("mem", "node-size", 0))
    if not node:
        return out
    node = node[0]
    for d, tag in ((1, ""), (2, "2")):
        for (kind, key, n), vals in samples.items():
            if kind != "mem" or key != "nodes" + tag:
                continue
            descs = samples.get(("mem", "descs" + tag, n))
            if not descs:
                continue
            total = [c * node + descs[0] for c in vals]
            out[("store%s-bytes" % tag, n)] = stat(total)
            out[("nodes%s" % tag, n)] = stat(vals)
            walked = samples.get(("mem", "walked-nodes" + tag, n))
            if walked:
                out[("walked%s" % tag, n)] = stat(walked)
    for (kind, key, n), vals in samples.items():
        if kind == "mem" and key.startswith("devslab"):
            out[(key, n)] = stat(vals)
    for key in ("sizeof-msi_desc", "devdata-slab"):
        vals = samples.get(("mem", key, 0))
        if vals:
            out[(key, 0)] = stat(vals)
    return out


def build_rows(data):
    """The table: list of dicts, one per workload row"""
    rows = []
    ns = sorted({n for k in data.values() for (kind, w, n) in k
                 if kind == "time" and w == "insert"})

    def add(group, key, n, label, unit, target, kind="time"):
        cells = {}
        for k in data:
            s = data[k].get((kind, key, n))
            if s:
                cells[k] = s
        if cells:
            rows.append({"group": group, "work": key, "n": n, "label": label,
                         "unit": unit, "target": target, "kernels": cells})

    for n in ns:
        for key, label, target in STORE:
            add("store", key, n, label, "ns/op", target)
        for key, label, target in STORE2:
            add("store", key, n, label, "ns/op", target)
    hs = sorted({n for k in data.values() for (kind, w, n) in k
                 if kind == "time" and w == "any"})
    for h in hs:
        add("any", "any", h, "MSI_ANY_INDEX, half-full table", "ns/op",
            [("upstream", 1.0)])
    es = sorted({n for k in data.values() for (kind, w, n) in k
                 if kind == "time" and w == "e2e-alloc"})
    for n in es:
        add("e2e", "e2e-alloc", n, "pci_alloc_irq_vectors", "ns/vector",
            [("base", 1.10)])
        add("e2e", "e2e-lookup", n, "pci_irq_vector", "ns/op", DRIVER)
        add("e2e", "e2e-free", n, "pci_free_irq_vectors", "ns/vector", DRIVER)
    irqs = sorted({n for k in data.values() for (kind, w, n) in k
                   if kind == "time" and w == "irq"})
    for n in irqs:
        add("irq", "irq", n, "MSI-X interrupt, raised and handled",
            "ns/irq", [("base", 1.01)])
    return rows


def add_memory(rows, mem):
    ns = sorted({n for m in mem.values() for (k, n) in m if k == "store-bytes"})
    for n in ns:
        for key, label, target in (
                ("store-bytes", "store bytes, 1 domain", None),
                ("store2-bytes", "store bytes, 2 domains", [("upstream", 1.0)]),
                ("nodes", "xarray nodes, 1 domain", None),
                ("nodes2", "xarray nodes, 2 domains", None)):
            cells = {k: m[(key, n)] for k, m in mem.items() if (key, n) in m}
            if cells:
                rows.append({"group": "memory", "work": key, "n": n,
                             "label": label, "unit": "bytes" if "bytes" in key
                             else "nodes", "target": target, "kernels": cells})
    ns = sorted({n for m in mem.values() for (k, n) in m if k == "devslab"})
    for n in ns:
        for key, label, target in (
                ("devslab", "slab bytes per device, MSI-X on",
                 [("upstream", 1.0)]),
                ("devslab-idle", "slab bytes, idle snapshots", None)):
            cells = {k: m[(key, n)] for k, m in mem.items() if (key, n) in m}
            if cells:
                rows.append({"group": "memory", "work": key, "n": n,
                             "label": label, "unit": "bytes",
                             "target": target, "kernels": cells})
    for key, label in (("sizeof-msi_desc", "sizeof(struct msi_desc)"),
                       ("devdata-slab", "per-device data, slab object")):
        cells = {k: m[(key, 0)] for k, m in mem.items() if (key, 0) in m}
        if cells:
            rows.append({"group": "memory", "work": key, "n": 0, "label": label,
                         "unit": "bytes", "target": None, "kernels": cells})


def ratio(row, against):
    k = row["kernels"]
    if "patched" not in k or against not in k or not k[against]["median"]:
        return None
    return k["patched"]["median"] / k[against]["median"]


def fmt_cell(s):
    if not s:
        return "-"
    med, lo, hi = s["median"], s["min"], s["max"]
    if lo == hi:
        return "%.0f" % med
    return "%.0f [%.0f-%.0f]" % (med, lo, hi)


def verdict(row):
    """"met" or "MISSED" and the targets, those that have both kernels"""
    parts, ok = [], True
    for against, most in row["target"] or ():
        r = ratio(row, against)
        if r is None:
            continue
        ok = ok and r <= most + 1e-9
        parts.append("<=%.2fx %s" % (most, "base" if against == "base"
                                     else "6.12"))
    if not parts:
        return "n/a" if row["target"] else ""
    return "%s (%s)" % ("met" if ok else "MISSED", ", ".join(parts))


def print_table(rows, kernels):
    head = ["workload", "n", "unit"] + [TITLE[k] for k in kernels] + \
        ["pat/base", "pat/6.12", "target"]
    lines = []
    for r in rows:
        rb, ru = ratio(r, "base"), ratio(r, "upstream")
        lines.append([r["label"], str(r["n"]) if r["n"] else "", r["unit"]] +
                     [fmt_cell(r["kernels"].get(k)) for k in kernels] +
                     ["%.3f" % rb if rb is not None else "-",
                      "%.3f" % ru if ru is not None else "-", verdict(r)])
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for x in lines:
        out.append("  ".join(c.ljust(w) for c, w in zip(x, widths)).rstrip())
    return "\n".join(out)


def write_files(outdir, rows, kernels):
    with open(outdir + "/bench.csv", "w") as f:
        f.write("group,workload,n,unit,kernel,median,min,max,reps\n")
        for r in rows:
            for k in kernels:
                s = r["kernels"].get(k)
                if s:
                    f.write("%s,%s,%d,%s,%s,%.1f,%.1f,%.1f,%d\n" % (
                        r["group"], r["work"], r["n"], r["unit"], k,
                        s["median"], s["min"], s["max"], s["reps"]))
    for r in rows:
        r["patched_over_base"] = ratio(r, "base")
        r["patched_over_upstream"] = ratio(r, "upstream")
    with open(outdir + "/bench.json", "w") as f:
        json.dump({"kernels": list(kernels), "rows": rows}, f, indent=1)

    # Chart: each kernel's figure per row, relative to the 6.1 base (or,
    # where the base has none, to 6.12), so the three kernels stand side
    # by side
    dat = outdir + "/bench-ratios.dat"
    n = 0
    with open(dat, "w") as f:
        f.write('"row" %s\n' % " ".join('"%s"' % TITLE[k] for k in kernels))
        for r in rows:
            cells = r["kernels"]
            ref = "base" if "base" in cells else "upstream"
            if len(cells) < 2 or ref not in cells or r["unit"] == "nodes" \
                    or not cells[ref]["median"]:
                continue
            name = "%s %s%s" % (r["label"], r["n"] if r["n"] else "",
                                "" if ref == "base" else " (vs 6.12)")
            f.write('"%s" %s\n' % (name.strip(), " ".join(
                "%.4f" % (cells[k]["median"] / cells[ref]["median"])
                if k in cells else "NaN" for k in kernels)))
            n += 1
    if not n:
        print("no ratios (one kernel): no chart", file=sys.stderr)
        return
    script = """
set terminal png size %d,900 noenhanced
set output '%s/bench.png'
set title 'MSI store, MSI-X and interrupt delivery: each kernel relative to the 6.1 base (or to 6.12 where the base has no figure); QEMU TCG%s, one run'
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key outside top center horizontal
set xtics rotate by -60 font ',8'
set ylabel 'ratio to the reference kernel (lower is cheaper)'
set yrange [0:*]
set grid ytics
set bmargin 18
set rmargin 10
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb 'black'
plot %s
""" % (max(1400, 300 + 26 * n), outdir,
       " -icount" if os.environ.get("ICOUNT", "1") == "1" else "",
       ", ".join(
        "'%s' using %d:xtic(1) title columnheader(%d)" % (dat, c + 2, c + 2)
        for c in range(len(kernels))))
    with open(outdir + "/bench.gp", "w") as f:
        f.write(script)
    subprocess.run(["gnuplot", outdir + "/bench.gp"], check=True)


def slab_bytes(caches):
    return sum(size * objs for size, objs in caches.values())


def slab_table(slabs, kernels):
    """What the first MSI-X enable of a device allocates, cache by cache,
    per kernel (of each n, the device with the median total: the row's
    figure); and errors: a cache with fewer objects than before means
    allocations the counters miss, and idle snapshots that differ mean
    the guest's own activity."""
    out, errors = [], []
    ns = sorted({n for sl in slabs.values() for (w, n, d) in sl
                 if w == "enable"})
    for n in ns:
        per = {}
        for k in kernels:
            devs = sorted((slab_bytes(c), d) for (w, nn, d), c in
                          slabs.get(k, {}).items()
                          if w == "enable" and nn == n)
            per[k] = (slabs[k][("enable", n, devs[(len(devs) - 1) // 2][1])]
                      if devs else {})
        caches = sorted({c for v in per.values() for c in v},
                        key=lambda c: -max(v.get(c, (0, 0))[0] *
                                           abs(v.get(c, (0, 0))[1])
                                           for v in per.values()))
        head = ["slab cache (MSI-X on, %d vector%s)" % (n, "s" * (n > 1))
                ] + ["%s: objects x size" % TITLE[k] for k in kernels]

        def cell(k, c):
            size, objs = per[k].get(c, (0, 0))
            return "%d x %d" % (objs, size) if objs else "-"
        lines = [[c] + [cell(k, c) for k in kernels] for c in caches]
        lines.append(["total bytes"] + [str(slab_bytes(per[k]))
                                        for k in kernels])
        widths = [max(len(x[i]) for x in [head] + lines)
                  for i in range(len(head))]
        out.append("  ".join(h.ljust(w) for h, w in zip(head, widths)))
        out.append("  ".join("-" * w for w in widths))
        out += ["  ".join(c.ljust(w) for c, w in zip(x, widths)).rstrip()
                for x in lines]
        out.append("")
    for k, sl in slabs.items():
        for (w, n, d), caches in sl.items():
            for c, (size, objs) in caches.items():
                if w == "idle" or objs < 0:
                    errors.append("%s: memdev %d (n=%d): %s %s: %d objects"
                                  % (k, d, n, w, c, objs))
    return "\n".join(out), errors


def main():
    outdir = sys.argv[1]
    data, mem, slabs, bad = {}, {}, {}, []
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        samples, errors = parse(path)
        slabs[name] = samples.pop("slab")
        bad += ["%s: %s" % (name, e) for e in errors]
        data[name] = {k: stat(v) for k, v in samples.items() if k[0] == "time"}
        mem[name] = memory_rows(samples)
    for name, m in mem.items():
        for (key, n), s in m.items():
            if key.startswith("walked") and (
                    key.replace("walked", "nodes"), n) in m:
                slab = m[(key.replace("walked", "nodes"), n)]
                if slab["median"] != s["median"]:
                    bad.append("%s: n=%d: %s slab allocations, %s nodes in "
                               "the tree" % (name, n, slab["median"],
                                             s["median"]))
    kernels = [k for k in KERNELS if k in data]
    rows = build_rows(data)
    add_memory(rows, mem)
    print(print_table(rows, kernels))
    table, errors = slab_table(slabs, kernels)
    if table:
        print()
        print(table)
    bad += errors
    write_files(outdir, rows, kernels)
    for e in bad:
        print("error: " + e, file=sys.stderr)
    return 1 if bad or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
