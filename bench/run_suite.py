#!/usr/bin/env python3
"""Runs gpustream's benchmark suite and prints one table.

Each benchmark program prints Markdown table rows; this runs each of them
--repeat times per backend and reports the median GB/s with the spread
(min-max) over the runs, next to the baseline each one is measured against
in the same run:
  word_count_bench  kernels alone (data resident in backend memory) vs a
                    single-thread std::unordered_map word count, and a
                    count by 64-bit id vs the same map over the ids;
  stream_bench      end to end through a streaming_context (generator source
                    replaying text already in receive blocks) vs the copy alone
                    (on CUDA the word count also with --algorithm sort);
  socket_bench      loopback TCP sockets into a streaming_context vs clients
                    that only read and discard;
  group_by_bench    group_by over tables (one string key, then a composite
                    key with three aggregations) vs reduce_by_key over the
                    same rows, in M rows/s: its own table, printed after the
                    suite's;
  stream_bench --rate-mib
                    the word count again, at a steady offered rate below
                    capacity (10 GB/s on CUDA, 0.4 GB/s on the CPU backend):
                    its delays p50/p99 with 100 ms batches.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys


# A batch holds at most one pool of receive blocks per receiver, so a stream
# cannot go faster than pool bytes per batch interval. The programs' default
# pools (512 MiB) bound a 100 ms stream near 5.4 GB/s: enough for the CPU
# backend, far under a GPU's rate. On CUDA the pools are sized for 60+ GB/s.
POOLS = {
    "cpu": {"stream": [], "socket": []},
    "cuda": {"stream": ["--blocks", "96", "--block-mib", "64"],    # 6 GiB: 64 GB/s at 100 ms
             "socket": ["--blocks", "32", "--block-mib", "48"]},   # 4 x 1.5 GiB: 64 GB/s at 100 ms
}
# The delay under a steady load below capacity, 100 ms batches: the word count
# offered 10 GB/s on CUDA (the p99 target: under 150 ms), 0.4 GB/s on
# the CPU backend.
OFFERED_MIB = {"cuda": 9537, "cpu": 381}


def run(cmd):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"run_suite: {cmd[0]} failed with exit status {p.returncode}")
    # Each program's own table as it finishes, so that a run stopped before the
    # end (a time limit on a GPU host) still leaves what it measured.
    sys.stderr.write(p.stdout)
    sys.stderr.flush()
    return p.stdout


def rows(text):
    """Table rows of a program's output as lists of cells (header and rule dropped)."""
    out = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "workload":
            header = cells
            continue
        out.append(dict(zip(header, cells)))
    return out


def number(s):
    m = re.match(r"[-+]?[0-9]*\.?[0-9]+", s or "")
    return float(m.group(0)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=None, help="directory of the benchmark programs (default: build/bin, else build-cpu/bin)")
    ap.add_argument("--backends", default="auto", help="comma-separated: cpu,cuda; auto: cpu, and cuda when a GPU is usable")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each benchmark (default 3)")
    ap.add_argument("--quick", action="store_true", help="small inputs, for a smoke run")
    ap.add_argument("--plot", metavar="PNG", help="also draw the table as a bar chart (needs matplotlib)")
    a = ap.parse_args()
    if a.repeat < 1:
        ap.error("--repeat must be at least 1")

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bindir = a.bin
    if bindir is None:
        for d in ("build/bin", "build-cpu/bin"):
            if os.path.exists(os.path.join(root, d, "stream_bench")):
                bindir = os.path.join(root, d)
                break
    if bindir is None or not os.path.exists(os.path.join(bindir, "stream_bench")):
        raise SystemExit("run_suite: no benchmark programs found; build first (scripts/build.sh or scripts/build.sh --cpu-only)")

    backends = a.backends.split(",")
    if a.backends == "auto":
        backends = ["cpu"]
        check = subprocess.run([os.path.join(bindir, "socket_bench"), "--backend", "cuda", "--connections", "1",
                                "--seconds", "1", "--warmup-seconds", "0"], capture_output=True, text=True)
        if check.returncode == 0:
            backends.append("cuda")
        else:
            print("run_suite: CUDA backend not usable here; CPU only", file=sys.stderr)

    wc_size = "64" if a.quick else "1024"
    batches = "10" if a.quick else "60"
    seconds = "2" if a.quick else "5"
    results = {}  # (workload, backend) -> list of (GB/s, row)
    order = []
    group_by_tables = []  # group_by_bench's own tables (M rows/s, not GB/s)
    for rep in range(a.repeat):
        if rep == 0:
            for b in backends:
                group_by_tables.append(run([os.path.join(bindir, "group_by_bench"), "--backend", b, "--rows",
                                            "262144" if a.quick else "4194304", "--runs", "5"]))
        # word_count_bench measures every backend it finds by itself.
        outputs = [("kernels", run([os.path.join(bindir, "word_count_bench"), "--size-mib", wc_size,
                                    "--runs", "3", "--sort-size-mib", "16"]))]
        for b in backends:
            outputs.append(("end to end", run([os.path.join(bindir, "stream_bench"), "--backend", b, "--batches", batches]
                                              + POOLS[b]["stream"])))
            if b == "cuda":
                # The word count by the sort path beside the default, the one-pass table.
                text = run([os.path.join(bindir, "stream_bench"), "--backend", b, "--batches", batches,
                            "--workload", "wordcount", "--algorithm", "sort"] + POOLS[b]["stream"])
                outputs.append(("end to end", "\n".join(
                    l for l in text.splitlines() if not l.startswith("| copy alone"))))
            outputs.append(("sockets", run([os.path.join(bindir, "socket_bench"), "--backend", b, "--seconds", seconds]
                                           + POOLS[b]["socket"])))
            offered = OFFERED_MIB[b]
            text = run([os.path.join(bindir, "stream_bench"), "--backend", b, "--batches", batches,
                        "--workload", "wordcount", "--rate-mib", str(offered)] + POOLS[b]["stream"])
            # Its copy-alone row repeats the one above: only the word count's row counts here.
            outputs.append((f"offered {offered * 1.048576 / 1000:.1f} GB/s", "\n".join(
                l for l in text.splitlines() if not l.startswith("| copy alone"))))
        for group, text in outputs:
                for r in rows(text):
                    backend = r.get("backend") or r.get("backend/path") or "-"
                    key = (group, r["workload"], backend, r.get("device", "-"))
                    gbps = number(r.get("median GB/s") or r.get("GB/s"))
                    if key not in results:
                        results[key] = []
                        order.append(key)
                    results[key].append((gbps, r))

    print("\n| group | workload | backend/path | device | GB/s median | min-max | p50 ms | p99 ms | processing p50 ms "
          "| ratio to baseline (median) |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for key in order:
        vals = [v for v, _ in results[key] if v is not None]
        if not vals:
            continue
        last = results[key][-1][1]
        ratio_cell = next((last[k] for k in last if k.startswith("vs")), "")
        ratios = [number(next((r[k] for k in r if k.startswith("vs")), "")) for _, r in results[key]]
        ratios = [x for x in ratios if x is not None]
        ratio = f"{statistics.median(ratios):.2f}x" if ratios else ratio_cell
        print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {statistics.median(vals):.3f} | "
              f"{min(vals):.3f}-{max(vals):.3f} | {last.get('delay p50 ms', '')} | "
              f"{last.get('delay p99 ms', '')} | {last.get('processing p50 ms', '')} | {ratio} |")
    print(f"\nruns per row: {a.repeat}; GB/s = input bytes / seconds / 1e9")
    for text in group_by_tables:
        print("\ngroup_by over tables (median of 5 runs; each ratio to reduce_by_key in the same run):\n")
        print(text.strip())
    if a.plot:
        plot(a.plot, order, results)


def plot(path, order, results):
    """Median GB/s per row, the bars' whiskers the min-max over the runs (log scale)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("run_suite: --plot needs matplotlib (pip install matplotlib); no plot drawn", file=sys.stderr)
        return
    labels, med, lo, hi = [], [], [], []
    for key in order:
        vals = [v for v, _ in results[key] if v is not None]
        if not vals:
            continue
        m = statistics.median(vals)
        labels.append(f"{key[0]}: {key[1]}\n{key[2]}")
        med.append(m)
        lo.append(m - min(vals))
        hi.append(max(vals) - m)
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(labels) + 1.5))
    ax.barh(range(len(labels)), med, xerr=[lo, hi], color="#4477aa", capsize=3)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("GB/s (median of runs; whiskers: min-max)")
    ax.set_title("gpustream benchmark suite")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"run_suite: plot written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
