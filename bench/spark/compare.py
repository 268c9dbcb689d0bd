#!/usr/bin/env python3
"""Streaming word count, gpustream (CPU backend) against Spark Structured Streaming.

Run through bench/spark/compare.sh, which installs pyspark and builds gpustream
first when they are missing. Both engines get the same generated text files,
moved one at a time (by default) into the directory each engine watches at the
same wall-clock pace, the middle of each batch interval, with the same batch
interval; both run on every core of this machine. Per-batch processing times
come from each engine's own report (gpustream's per-batch log line, Spark's
StreamingQueryProgress); the first --warmup batches with data are left out.
The total number of lines and words each engine counted over the whole run
must equal what the generator wrote, or the comparison fails.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

BATCH_LINE = re.compile(
    r"\[info\] batch (\d+) ms: (\d+) records, ([0-9.]+) MiB, scheduling delay (-?\d+) ms, "
    r"processing delay (\d+) ms, total delay (-?\d+) ms"
)


def parse_duration_ms(text):
    for unit, scale in (("ms", 1), ("min", 60000), ("s", 1000), ("m", 60000), ("h", 3600000)):
        if text.endswith(unit):
            return int(round(float(text[: -len(unit)]) * scale))
    return int(round(float(text)))


def log(msg):
    print(f"compare: {msg}", file=sys.stderr, flush=True)


class Mover(threading.Thread):
    """Moves the staged files into the watched directory, files_per_batch of
    them in the middle of each batch interval (both engines cut batches on
    wall-clock multiples of the interval). Each file's modification time is
    set to the moment it is moved."""

    def __init__(self, staging, watch, names, interval_ms, files_per_batch):
        super().__init__(daemon=True)
        self.staging, self.watch, self.names = staging, watch, list(names)
        self.interval = interval_ms / 1e3
        self.per_batch = files_per_batch
        self.finished_at = None
        self.error = None

    def run(self):
        try:
            now = time.time()
            slot = (int(now / self.interval) + 1) * self.interval + self.interval / 2
            for i in range(0, len(self.names), self.per_batch):
                delay = slot - time.time()
                if delay > 0:
                    time.sleep(delay)
                for name in self.names[i:i + self.per_batch]:
                    src = os.path.join(self.staging, name)
                    os.utime(src)
                    os.rename(src, os.path.join(self.watch, name))
                slot += self.interval
            self.finished_at = time.monotonic()
        except Exception as e:  # reported by the caller
            self.error = e
            self.finished_at = time.monotonic()


def _busy_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4] - (v[7] if len(v) > 7 else 0)  # user, nice, system, irq, softirq


def _tree_jiffies(root):
    """CPU time (user + system jiffies) of root and its descendants."""
    parent, cpu = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d)] = int(fields[1])
        cpu[int(d)] = int(fields[11]) + int(fields[12])
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return total


class CpuWatch(threading.Thread):
    """Samples the machine's busy CPU time and the engine's own every half
    second: what the other processes on the machine used while the engine ran."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.first = self.last = None
        self.stop_flag = threading.Event()
        self.hz = os.sysconf("SC_CLK_TCK")

    def sample(self):
        return time.monotonic(), _busy_jiffies(), _tree_jiffies(self.pid)

    def run(self):
        self.first = self.sample()
        while not self.stop_flag.wait(0.5):
            s = self.sample()
            if not os.path.exists(f"/proc/{self.pid}/stat"):  # the engine is gone
                break
            self.last = s

    def finish(self):
        self.stop_flag.set()
        self.join(2)
        if not self.first or not self.last:
            return None
        secs = self.last[0] - self.first[0]
        busy = (self.last[1] - self.first[1]) / self.hz
        own = (self.last[2] - self.first[2]) / self.hz
        return {"seconds": secs, "engine_cpu_s": own, "other_cpu_s": max(0.0, busy - own),
                "cores": os.cpu_count()}


def stage(input_dir, names, run_dir):
    """A fresh run directory: staging/ holds links to the input files, watch/ is empty."""
    shutil.rmtree(run_dir, ignore_errors=True)
    staging = os.path.join(run_dir, "staging")
    watch = os.path.join(run_dir, "watch")
    os.makedirs(staging)
    os.makedirs(watch)
    for name in names:
        src = os.path.join(input_dir, name)
        dst = os.path.join(staging, name)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
    # Same starting point for both engines: the input is in the page cache.
    for name in names:
        with open(os.path.join(staging, name), "rb") as f:
            while f.read(1 << 24):
                pass
    return staging, watch


def read_stream_lines(pipe, sink, on_line=None):
    for raw in iter(pipe.readline, ""):
        sink.write(raw)
        sink.flush()
        if on_line:
            on_line(raw.rstrip("\n"))
    pipe.close()


def run_gpustream(a, manifest, input_dir, interval_ms):
    names = [e["name"] for e in manifest["files"]]
    total_lines = sum(e["lines"] for e in manifest["files"])
    run_dir = os.path.join(a.workdir, "run-gpustream")
    staging, watch = stage(input_dir, names, run_dir)
    out_json = os.path.join(run_dir, "counts.jsonl")
    log_path = os.path.join(run_dir, "gpustream.log")
    cmd = [a.gpustream, "wordcount", "--backend", "cpu", "--source", f"dir:{watch}",
           "--batch", f"{interval_ms}ms", "--output", f"json:{out_json}"]
    log("gpustream: " + " ".join(cmd))
    batches = []
    started = threading.Event()
    all_in = threading.Event()
    state = {"lines": 0}

    def on_line(line):
        if "streaming context started" in line:
            started.set()
        m = BATCH_LINE.search(line)
        if m:
            b = {"time": int(m.group(1)), "records": int(m.group(2)), "mib": float(m.group(3)),
                 "scheduling_ms": int(m.group(4)), "processing_ms": int(m.group(5))}
            batches.append(b)
            state["lines"] += b["records"]
            if state["lines"] >= total_lines:
                all_in.set()

    with open(log_path, "w") as sink:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        reader = threading.Thread(target=read_stream_lines, args=(proc.stderr, sink, on_line), daemon=True)
        reader.start()
        if not started.wait(30):
            proc.kill()
            raise SystemExit(f"compare: gpustream did not start within 30 s (log: {log_path})")
        cpu = CpuWatch(proc.pid)
        cpu.start()
        mover = Mover(staging, watch, names, interval_ms, a.files_per_batch)
        mover.start()
        mover.join()
        if mover.error:
            proc.kill()
            raise SystemExit(f"compare: moving files failed: {mover.error}")
        if not all_in.wait(a.drain_seconds):
            log(f"gpustream: not every line was processed {a.drain_seconds} s after the last file came")
        cpu_use = cpu.finish()
        # SIGTERM, not SIGINT: a program started from a background job inherits
        # SIGINT ignored, and gpustream then keeps ignoring it.
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise SystemExit(f"compare: gpustream did not stop within 60 s of SIGTERM; killed (log: {log_path})")
        reader.join(10)
    if rc != 0:
        raise SystemExit(f"compare: gpustream exited with status {rc} (log: {log_path})")

    # Per batch time: the words counted (sum of the counts) and the distinct words (rows).
    per_time = {}
    with open(out_json) as f:
        for line in f:
            head, sep, tail = line.rpartition('"count":')
            if not sep or not line.startswith('{"time":'):
                continue
            t = int(line[8:line.index(",")])
            acc = per_time.setdefault(t, [0, 0])
            acc[0] += int(tail.rstrip().rstrip("}"))
            acc[1] += 1
    words = sum(v[0] for v in per_time.values())
    distinct_rows = sum(v[1] for v in per_time.values())
    # Which files each batch held: the files are moved in order, so a batch whose
    # lines are exactly those of the next few files held those files.
    file_lines = [(e["name"], e["lines"]) for e in manifest["files"]]
    i = 0
    for b in batches:
        b["words"], b["distinct"] = per_time.get(b["time"], (0, 0))
        if b["records"] == 0 or i is None:
            continue
        n, j, held = 0, i, []
        while j < len(file_lines) and n < b["records"]:
            n += file_lines[j][1]
            held.append(file_lines[j][0])
            j += 1
        if n == b["records"]:
            b["files"] = held
            i = j
        else:
            i = None  # a file split between batches: no mapping from here on
    with_data = [b for b in batches if b["records"] > 0]
    measured = with_data[a.warmup:]
    return {
        "engine": "gpustream",
        "batches": batches,
        "totals": {"lines": sum(b["records"] for b in batches), "words": words,
                   "mib": sum(b["mib"] for b in batches), "output_rows": distinct_rows},
        "with_data": len(with_data),
        "measured": summarize([(b["mib"] * (1 << 20), b["records"], b["processing_ms"]) for b in measured]),
        "measured_total": summarize([(b["mib"] * (1 << 20), b["records"], b["scheduling_ms"] + b["processing_ms"])
                                     for b in measured]),
        "over_interval": sum(1 for b in measured if b["scheduling_ms"] + b["processing_ms"] > interval_ms),
        "cpu": cpu_use,
        "log": log_path,
    }


def run_spark(a, manifest, input_dir, interval_ms):
    names = [e["name"] for e in manifest["files"]]
    run_dir = os.path.join(a.workdir, "run-spark")
    staging, watch = stage(input_dir, names, run_dir)
    result_path = os.path.join(run_dir, "result.json")
    log_path = os.path.join(run_dir, "spark.log")
    cmd = [sys.executable, os.path.join(HERE, "spark_wordcount.py"), "--dir", watch, "--batch", f"{interval_ms}ms",
           "--expect-files", str(len(names)), "--warmup", str(a.warmup),
           "--shuffle-partitions", str(a.shuffle_partitions), "--driver-memory", a.driver_memory,
           "--max-files-per-trigger", str(a.spark_max_files_per_trigger),
           "--checkpoint", os.path.join(run_dir, "checkpoint"), "--result", result_path,
           "--max-seconds", str(len(names) / a.files_per_batch * interval_ms / 1e3 + a.drain_seconds + 60)]
    log("spark: " + " ".join(cmd))
    ready = threading.Event()
    env = dict(os.environ)
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    with open(log_path, "w") as sink:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sink, text=True, env=env)

        def on_stdout(line):
            if line.strip() == "ready":
                ready.set()

        reader = threading.Thread(target=read_stream_lines, args=(proc.stdout, open(os.devnull, "w"), on_stdout),
                                  daemon=True)
        reader.start()
        t0 = time.monotonic()
        while not ready.wait(0.5):
            if proc.poll() is not None or time.monotonic() - t0 > 180:
                proc.kill()
                raise SystemExit(f"compare: Spark did not get ready (log: {log_path})")
        log(f"spark: ready after {time.monotonic() - t0:.1f} s")
        cpu = CpuWatch(proc.pid)
        cpu.start()
        mover = Mover(staging, watch, names, interval_ms, a.files_per_batch)
        mover.start()
        mover.join()
        if mover.error:
            proc.kill()
            raise SystemExit(f"compare: moving files failed: {mover.error}")
        rc = proc.wait()
        cpu_use = cpu.finish()
        reader.join(10)
    if rc != 0 or not os.path.exists(result_path):
        raise SystemExit(f"compare: the Spark word count failed, status {rc} (log: {log_path})")
    with open(result_path) as f:
        r = json.load(f)
    with_data = [b for b in r["batches"] if b["files"] > 0]
    measured = with_data[a.warmup:]
    return {
        "engine": "spark",
        "versions": r["versions"],
        "batches": r["batches"],
        "totals": {"lines": r["totals"]["lines"], "words": r["totals"]["words"],
                   "mib": r["totals"]["bytes"] / (1 << 20), "files": r["totals"]["files"]},
        "with_data": len(with_data),
        "measured_trigger": summarize([(b["bytes"], b["lines"], b["trigger_ms"]) for b in measured]),
        "measured_add_batch": summarize([(b["bytes"], b["lines"], b["add_batch_ms"]) for b in measured]),
        "measured_job": summarize([(b["bytes"], b["lines"], b["foreach_ms"]) for b in measured]),
        "over_interval": sum(1 for b in measured if b["trigger_ms"] > interval_ms),
        "cpu": cpu_use,
        "log": log_path,
    }


def summarize(rows):
    """rows: (bytes, records, milliseconds) per measured batch."""
    if not rows:
        return None
    nbytes = sum(r[0] for r in rows)
    records = sum(r[1] for r in rows)
    secs = sum(r[2] for r in rows) / 1e3
    return {
        "batches": len(rows),
        "mib": nbytes / (1 << 20),
        "median_ms": statistics.median(r[2] for r in rows),
        "min_ms": min(r[2] for r in rows),
        "max_ms": max(r[2] for r in rows),
        "mb_per_s": nbytes / secs / 1e6 if secs > 0 else float("inf"),
        "records_per_s": records / secs if secs > 0 else float("inf"),
    }


def main():
    ap = argparse.ArgumentParser(prog="compare.sh", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=24, help="input files (default 24)")
    ap.add_argument("--mib", type=float, default=32, help="MiB per input file (default 32)")
    ap.add_argument("--batch", default="1s", help="batch interval of both engines (default 1s)")
    ap.add_argument("--files-per-batch", type=int, default=1,
                    help="files moved into the watched directory per batch interval (default 1)")
    ap.add_argument("--warmup", type=int, default=5,
                    help="first batches with data left out of the timing, per engine (default 5)")
    ap.add_argument("--shuffle-partitions", type=int, default=2,
                    help="Spark's spark.sql.shuffle.partitions (default 2, one per core; Spark's default is 200)")
    ap.add_argument("--spark-max-files-per-trigger", type=int, default=None,
                    help="maxFilesPerTrigger of Spark's file source (default: --files-per-batch, so that every "
                         "batch of both engines holds the same files even when Spark falls behind; 0: no limit, "
                         "a late Spark batch takes every file that has arrived)")
    ap.add_argument("--driver-memory", default="2g", help="Spark's spark.driver.memory (default 2g)")
    ap.add_argument("--seed", type=int, default=20241126, help="seed of the generated text (default 20241126)")
    ap.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "gpustream-spark-compare"),
                    help="input files and run directories (default $TMPDIR/gpustream-spark-compare)")
    ap.add_argument("--gpustream", default=None, help="the gpustream program (default build-cpu/bin/gpustream)")
    ap.add_argument("--engines", default="gpustream,spark", help="which engines to run (default gpustream,spark)")
    ap.add_argument("--drain-seconds", type=float, default=120,
                    help="how long an engine may take after the last file arrives (default 120)")
    ap.add_argument("--json", default=None, help="also write the figures here as JSON")
    a = ap.parse_args()
    if a.files < 1 or a.mib <= 0 or a.files_per_batch < 1 or a.warmup < 0:
        ap.error("--files, --mib and --files-per-batch must be positive, --warmup not negative")
    if a.spark_max_files_per_trigger is None:
        a.spark_max_files_per_trigger = a.files_per_batch
    interval_ms = parse_duration_ms(a.batch)
    if interval_ms <= 0:
        ap.error("--batch must be positive")
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    if not set(engines) <= {"gpustream", "spark"} or not engines:
        ap.error("--engines takes gpustream, spark or both")
    repo = os.path.dirname(os.path.dirname(HERE))
    a.gpustream = a.gpustream or os.path.join(repo, "build-cpu", "bin", "gpustream")
    with_data = (a.files + a.files_per_batch - 1) // a.files_per_batch
    if with_data <= a.warmup:
        ap.error(f"{a.files} files at {a.files_per_batch} per batch give {with_data} batches: "
                 f"not more than --warmup {a.warmup}")

    input_dir = os.path.join(a.workdir, f"input-{a.files}x{a.mib:g}MiB-seed{a.seed}")
    rc = subprocess.call([sys.executable, os.path.join(HERE, "gen_text.py"), input_dir, "--files", str(a.files),
                          "--mib", str(a.mib), "--seed", str(a.seed)])
    if rc != 0:
        raise SystemExit("compare: generating the input failed")
    with open(os.path.join(input_dir, "manifest.json")) as f:
        manifest = json.load(f)
    expect = {"lines": sum(e["lines"] for e in manifest["files"]), "words": sum(e["words"] for e in manifest["files"]),
              "mib": sum(e["bytes"] for e in manifest["files"]) / (1 << 20)}
    log(f"input: {a.files} files, {expect['mib']:.1f} MiB, {expect['lines']} lines, {expect['words']} words "
        f"in {input_dir}")

    results = {}
    for engine in engines:
        results[engine] = (run_gpustream if engine == "gpustream" else run_spark)(a, manifest, input_dir,
                                                                                     interval_ms)

    # ---- table ----
    rows = []
    g = results.get("gpustream")
    s = results.get("spark")
    if g:
        rows.append(("gpustream cpu: processing delay", g["measured"], g))
        rows.append(("gpustream cpu: total delay", g["measured_total"], g))
    if s:
        rows.append(("spark: triggerExecution", s["measured_trigger"], s))
        rows.append(("spark: addBatch", s["measured_add_batch"], s))
        rows.append(("spark: foreachBatch job", s["measured_job"], s))
    base = s["measured_trigger"] if s else None
    header = ("engine: time per batch", "batches", "input MiB", "median ms", "min-max ms", "MB/s", "records/s",
              "words counted", "vs spark trigger")
    table = []
    for name, m, r in rows:
        if not m:
            table.append((name, "0", "-", "-", "-", "-", "-", str(r["totals"]["words"]), ""))
            continue
        ratio = f"{m['mb_per_s'] / base['mb_per_s']:.1f}x" if base and base["mb_per_s"] > 0 else ""
        table.append((name, str(m["batches"]), f"{m['mib']:.1f}", f"{m['median_ms']:.0f}",
                      f"{m['min_ms']:.0f}-{m['max_ms']:.0f}", f"{m['mb_per_s']:.1f}", f"{m['records_per_s']:.3g}",
                      str(r["totals"]["words"]), ratio))
    widths = [max(len(header[i]), *(len(t[i]) for t in table)) for i in range(len(header))]
    print()
    print("| " + " | ".join(h.ljust(widths[i]) for i, h in enumerate(header)) + " |")
    print("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
    for t in table:
        print("| " + " | ".join(t[0].ljust(widths[0]) if i == 0 else t[i].rjust(widths[i])
                                 for i in range(len(t))) + " |")
    if g and s and g["measured_total"] and base:
        lo = min(g["measured_total"]["mb_per_s"], g["measured"]["mb_per_s"])
        hi = max(g["measured_total"]["mb_per_s"], g["measured"]["mb_per_s"])
        spark_rates = [m["mb_per_s"] for m in (s["measured_trigger"], s["measured_add_batch"], s["measured_job"]) if m]
        print()
        print(f"ratio gpustream/spark: {g['measured_total']['mb_per_s'] / base['mb_per_s']:.1f}x "
              f"(gpustream total delay vs Spark triggerExecution; {lo / max(spark_rates):.1f}x to "
              f"{hi / min(spark_rates):.1f}x across the rows above)")
    print()
    print(f"input: {a.files} files x {a.mib:g} MiB ({expect['mib']:.1f} MiB, {expect['lines']} lines, "
          f"{expect['words']} words), {a.files_per_batch} file(s) per {interval_ms} ms batch interval; "
          f"first {a.warmup} batches with data not timed")
    print("MB/s = measured input bytes / sum of measured batch times / 1e6; records = lines; "
          "words counted = the sum of every batch's counts over the whole run")
    for name, r in results.items():
        n = (r["measured"] if name == "gpustream" else r["measured_trigger"] or {}) or {}
        n = n.get("batches", 0)
        what = "total delay" if name == "gpustream" else "triggerExecution"
        print(f"{name}: {r['with_data']} batches with data, {r['over_interval']} of the {n} measured took longer "
              f"than the {interval_ms} ms interval ({what}); log {r['log']}")
        c = r.get("cpu")
        if c:
            print(f"{name}: over its {c['seconds']:.0f} s of streaming it used {c['engine_cpu_s']:.1f} CPU-s; "
                  f"other processes on the machine used {c['other_cpu_s']:.1f} CPU-s "
                  f"({100 * c['other_cpu_s'] / (c['seconds'] * c['cores']):.0f}% of {c['cores']} cores)")
            if c["other_cpu_s"] > 0.1 * c["seconds"] * c["cores"]:
                print(f"WARNING: other processes took more than 10% of the machine while {name} ran: "
                      f"its figures are not reliable; run again on a quieter machine")
    if s and s["measured_trigger"]:
        measured = [b for b in s["batches"] if b["files"] > 0][a.warmup:]
        parts = sorted({k for b in measured for k in b.get("durations_ms", {})} - {"triggerExecution", "addBatch"})
        med = {k: statistics.median(b["durations_ms"].get(k, 0) for b in measured) for k in parts}
        print("spark: median ms per measured batch outside addBatch: "
              + ", ".join(f"{k} {v:.0f}" for k, v in med.items())
              + f"; JVM GC per measured batch: median {statistics.median(b.get('gc_ms', 0) for b in measured):.0f} ms, "
              f"max {max(b.get('gc_ms', 0) for b in measured):.0f} ms")
    if s:
        v = s["versions"]
        print(f"spark {v['spark']} on java {v['java']}, local[*] ({v['default_parallelism']} cores), "
              f"spark.sql.shuffle.partitions={a.shuffle_partitions}")

    # ---- correctness ----
    failures = []
    for name, r in results.items():
        for key in ("lines", "words"):
            if r["totals"][key] != expect[key]:
                failures.append(f"{name} counted {r['totals'][key]} {key}, the input has {expect[key]}")
    if g and s and g["totals"]["words"] != s["totals"]["words"]:
        failures.append(f"word totals differ: gpustream {g['totals']['words']}, spark {s['totals']['words']}")
    # Batch by batch: the words and distinct words of every batch that held the
    # same files in both engines, and the words of every batch against the input.
    words_of = {e["name"]: e["words"] for e in manifest["files"]}
    by_files = {}
    compared = 0
    for name, r in results.items():
        for b in r["batches"]:
            files = b.get("files")
            if isinstance(files, int) or not files:
                files = b.get("file_names")
            if not files:
                continue
            key = tuple(sorted(files))
            if b["words"] != sum(words_of[f] for f in key):
                failures.append(f"{name}: the batch holding {', '.join(key)} counted {b['words']} words, "
                                f"the files have {sum(words_of[f] for f in key)}")
            by_files.setdefault(key, {})[name] = (b["words"], b["distinct"])
    for key, seen in by_files.items():
        if len(seen) == 2:
            compared += 1
            if seen["gpustream"] != seen["spark"]:
                failures.append(f"the batch holding {', '.join(key)}: gpustream counted {seen['gpustream'][0]} words, "
                                f"{seen['gpustream'][1]} distinct; spark {seen['spark'][0]} words, "
                                f"{seen['spark'][1]} distinct")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"expect": expect, "results": results, "failures": failures}, f, indent=1)
    if failures:
        for msg in failures:
            print(f"CHECK FAILED: {msg}", file=sys.stderr)
        return 1
    print(f"check: passed (every engine counted the {expect['lines']} lines and {expect['words']} words written"
          + (f"; {compared} batches held the same files in both engines and agree on words and distinct words"
             if g and s else "") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
