#!/usr/bin/env python3
"""Spark Structured Streaming word count over the files moved into a directory.

The Spark side of bench/spark/compare.sh, usable alone:

    python3 bench/spark/spark_wordcount.py --dir /data/incoming --batch 1s --expect-files 20

Each micro-batch (a processingTime trigger every --batch) reads the new files
of --dir, splits every line on runs of the whitespace gpustream's tokenizer
splits on (space, \\t, \\n, \\v, \\f, \\r), drops empty words, and counts the
words of that batch alone: a per-batch groupBy(word).count() in foreachBatch,
which is what gpustream's DStream lines.flatMap(split).map((w, 1)).reduceByKey(+)
computes. (A streaming groupBy().count() would instead keep running totals
across batches in a state store.) Of each batch's counts only the number of
distinct words and the sum of the counts travel to the driver: the
aggregation runs in full, its output is not written anywhere.

Per batch it records Spark's own durations from the StreamingQueryProgress
(triggerExecution: the whole micro-batch, listing the directory, planning,
logs; addBatch: running the batch) and the time of the foreachBatch job
measured around it, plus the batch's files and their bytes, its lines
(numInputRows) and words. The first --warmup batches with data are left out
of the summary. Prints "ready" on stdout once the query waits for data, a
line per batch on stderr, and writes everything to --result as JSON.

Settings (see --help): master local[*] (every core of this machine);
spark.sql.shuffle.partitions 2 by default instead of Spark's 200, which on a
two-core machine would spend most of a batch scheduling near-empty tasks;
Spark UI off; spark.driver.memory 2g. Input splits are Spark's defaults
(spark.sql.files.maxPartitionBytes and the per-core split size), so even one
file per batch is read by as many tasks as there are cores.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse

# The bytes gpustream's tokenizer treats as separators; Java's \s is the same set.
SEPARATORS = "[ \\t\\n\\x0B\\f\\r]+"


def parse_duration_ms(text):
    units = (("ms", 1), ("min", 60000), ("s", 1000), ("m", 60000), ("h", 3600000))
    for unit, scale in units:
        if text.endswith(unit):
            return int(round(float(text[: -len(unit)]) * scale))
    return int(round(float(text)))


def batch_files(checkpoint, batch_id):
    """The files the file source handed to micro-batch batch_id, from its log in
    the checkpoint (written before the batch runs; every 10th log file is a
    compaction holding the entries of all earlier batches too)."""
    base = os.path.join(checkpoint, "sources", "0", str(batch_id))
    for name in (base, base + ".compact"):
        if os.path.exists(name):
            with open(name) as f:
                entries = [json.loads(line) for line in f.read().splitlines()[1:] if line.strip()]
            paths = []
            for e in entries:
                if int(e.get("batchId", batch_id)) != batch_id:
                    continue
                p = e["path"]
                if p.startswith("file://"):
                    p = p[len("file://"):]
                elif p.startswith("file:"):
                    p = p[len("file:"):]
                paths.append(urllib.parse.unquote(p))
            return paths
    return []


def progress_dict(p):
    if isinstance(p, dict):
        return p
    if hasattr(p, "json"):
        j = p.json
        return json.loads(j() if callable(j) else j)
    return json.loads(str(p))


def main():
    ap = argparse.ArgumentParser(
        description="Spark Structured Streaming per-batch word count over files moved into a directory",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    ap.add_argument("--dir", required=True, help="directory to watch (files moved in atomically)")
    ap.add_argument("--batch", default="1s", help="trigger interval, e.g. 1s, 500ms (default 1s)")
    ap.add_argument("--expect-files", type=int, default=0,
                    help="stop after the batch in which this many files have been read (0: use --max-seconds)")
    ap.add_argument("--max-seconds", type=float, default=600,
                    help="stop after this many seconds of streaming in any case (default 600)")
    ap.add_argument("--warmup", type=int, default=5, help="batches with data left out of the summary (default 5)")
    ap.add_argument("--master", default="local[*]", help="Spark master (default local[*])")
    ap.add_argument("--shuffle-partitions", type=int, default=2,
                    help="spark.sql.shuffle.partitions (default 2; Spark's default is 200)")
    ap.add_argument("--driver-memory", default="2g", help="spark.driver.memory (default 2g)")
    ap.add_argument("--max-files-per-trigger", type=int, default=0,
                    help="maxFilesPerTrigger of the file source (default 0: every new file)")
    ap.add_argument("--checkpoint", default=None, help="checkpoint directory (default: a fresh one next to --dir)")
    ap.add_argument("--result", default=None, help="write per-batch figures and the summary here as JSON")
    ap.add_argument("--log-level", default="WARN", help="Spark log level (default WARN)")
    a = ap.parse_args()

    interval_ms = parse_duration_ms(a.batch)
    if interval_ms <= 0:
        ap.error("--batch must be positive")
    if not os.path.isdir(a.dir):
        ap.error(f"--dir {a.dir!r} is not a directory")
    checkpoint = a.checkpoint or os.path.join(os.path.dirname(os.path.abspath(a.dir)), "spark-checkpoint")
    if os.path.exists(checkpoint) and os.listdir(checkpoint):
        ap.error(f"checkpoint {checkpoint!r} exists: the query would resume from it; remove it or pass "
                 "another --checkpoint")

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = (
        SparkSession.builder.master(a.master)
        .appName("gpustream-bench-spark-wordcount")
        .config("spark.sql.shuffle.partitions", str(a.shuffle_partitions))
        .config("spark.driver.memory", a.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel(a.log_level)
    versions = {
        "spark": spark.version,
        "java": spark.sparkContext._jvm.java.lang.System.getProperty("java.version"),
        "default_parallelism": spark.sparkContext.defaultParallelism,
    }
    print(f"spark {versions['spark']}, java {versions['java']}, master {a.master}, "
          f"default parallelism {versions['default_parallelism']}, shuffle partitions {a.shuffle_partitions}",
          file=sys.stderr, flush=True)

    gc_beans = list(spark.sparkContext._jvm.java.lang.management.ManagementFactory.getGarbageCollectorMXBeans())
    gc_last = [sum(bean.getCollectionTime() for bean in gc_beans)]
    batches = {}
    files_seen = set()
    lock = threading.Lock()
    done = threading.Event()

    def per_batch(df, batch_id):
        t0 = time.perf_counter()
        words = df.select(F.explode(F.split(F.col("value"), SEPARATORS)).alias("word")).where(F.col("word") != "")
        counts = words.groupBy("word").count()
        row = counts.agg(F.count(F.lit(1)).alias("distinct"), F.sum("count").alias("words")).collect()[0]
        foreach_ms = (time.perf_counter() - t0) * 1e3
        # Outside the timed region: the files of this batch, and the JVM's GC
        # time since the previous batch ended (this batch's collections, mostly).
        gc_total = sum(bean.getCollectionTime() for bean in gc_beans)
        gc_ms = gc_total - gc_last[0]
        gc_last[0] = gc_total
        files = batch_files(checkpoint, batch_id)
        nbytes = 0
        for path in files:
            try:
                nbytes += os.path.getsize(path)
            except OSError:
                pass
        b = {
            "batch_id": int(batch_id),
            "files": len(files),
            "file_names": sorted(os.path.basename(f) for f in files),
            "bytes": nbytes,
            "words": int(row["words"] or 0),
            "distinct": int(row["distinct"] or 0),
            "foreach_ms": foreach_ms,
            "gc_ms": gc_ms,
        }
        with lock:
            batches[int(batch_id)] = b
            files_seen.update(files)
            if a.expect_files and len(files_seen) >= a.expect_files:
                done.set()
        print(f"[info] spark batch {batch_id}: {len(files)} file(s), {nbytes / (1 << 20):.2f} MiB, "
              f"{b['words']} words, {b['distinct']} distinct, foreachBatch {foreach_ms:.0f} ms, GC {gc_ms} ms",
              file=sys.stderr, flush=True)

    reader = spark.readStream.format("text")
    if a.max_files_per_trigger > 0:
        reader = reader.option("maxFilesPerTrigger", a.max_files_per_trigger)
    lines = reader.load(a.dir)
    query = (
        lines.writeStream.foreachBatch(per_batch)
        .trigger(processingTime=f"{interval_ms} milliseconds")
        .option("checkpointLocation", checkpoint)
        .queryName("wordcount")
        .start()
    )

    # Ready once the first (empty) trigger has run and the query waits.
    t_ready = time.monotonic()
    while time.monotonic() - t_ready < 120:
        st = query.status
        msg = st["message"] if isinstance(st, dict) else getattr(st, "message", "")
        active = st["isTriggerActive"] if isinstance(st, dict) else getattr(st, "isTriggerActive", True)
        if not active and "Waiting" in msg:
            break
        if query.exception() is not None:
            break
        time.sleep(0.05)
    print("ready", flush=True)

    deadline = time.monotonic() + a.max_seconds
    failed = None
    while not done.is_set() and time.monotonic() < deadline:
        if query.exception() is not None or not query.isActive:
            failed = str(query.exception())
            break
        done.wait(0.1)
    # Let the progress of the last batch be published before stopping.
    last_id = max(batches) if batches else -1
    t_wait = time.monotonic()
    while time.monotonic() - t_wait < 10:
        lp = query.lastProgress
        if lp is not None and progress_dict(lp).get("batchId", -1) >= last_id:
            break
        time.sleep(0.05)
    progress = [progress_dict(p) for p in query.recentProgress]
    query.stop()

    for p in progress:
        b = batches.get(int(p.get("batchId", -1)))
        if b is None or p.get("numInputRows", 0) == 0:
            continue
        d = p.get("durationMs", {})
        b["lines"] = int(p["numInputRows"])
        b["trigger_ms"] = float(d.get("triggerExecution", 0))
        b["add_batch_ms"] = float(d.get("addBatch", 0))
        b["durations_ms"] = d
    ordered = [batches[k] for k in sorted(batches)]
    with_data = [b for b in ordered if b["files"] > 0]
    measured = with_data[a.warmup:]

    def summary(rows, key):
        ms = [r[key] for r in rows if key in r]
        if not ms or len(ms) != len(rows):
            return None
        secs = sum(ms) / 1e3
        nbytes = sum(r["bytes"] for r in rows)
        return {
            "batches": len(rows),
            "bytes": nbytes,
            "lines": sum(r.get("lines", 0) for r in rows),
            "words": sum(r["words"] for r in rows),
            "median_ms": statistics.median(ms),
            "total_ms": sum(ms),
            "mb_per_s": nbytes / secs / 1e6 if secs > 0 else None,
            "lines_per_s": sum(r.get("lines", 0) for r in rows) / secs if secs > 0 else None,
        }

    result = {
        "engine": "spark",
        "versions": versions,
        "settings": {
            "master": a.master,
            "shuffle_partitions": a.shuffle_partitions,
            "driver_memory": a.driver_memory,
            "interval_ms": interval_ms,
            "warmup_batches": a.warmup,
            "max_files_per_trigger": a.max_files_per_trigger,
        },
        "error": failed,
        "batches": ordered,
        "totals": {
            "files": len(files_seen),
            "bytes": sum(b["bytes"] for b in ordered),
            "lines": sum(b.get("lines", 0) for b in ordered),
            "words": sum(b["words"] for b in ordered),
        },
        "measured": {
            "trigger": summary(measured, "trigger_ms"),
            "add_batch": summary(measured, "add_batch_ms"),
            "foreach": summary(measured, "foreach_ms"),
        },
    }
    if a.result:
        with open(a.result, "w") as f:
            json.dump(result, f, indent=1)
    t = result["totals"]
    print(f"spark: {t['files']} files, {t['bytes']} bytes, {t['lines']} lines, {t['words']} words in "
          f"{len(with_data)} batches with data ({len(measured)} measured after {a.warmup} warm-up)",
          file=sys.stderr, flush=True)
    for key, m in result["measured"].items():
        if m:
            print(f"spark measured ({key}): median {m['median_ms']:.0f} ms per batch, "
                  f"{m['mb_per_s']:.1f} MB/s", file=sys.stderr, flush=True)
    spark.stop()
    if failed:
        print(f"spark: the query failed: {failed}", file=sys.stderr)
        return 1
    if a.expect_files and len(files_seen) < a.expect_files:
        print(f"spark: only {len(files_seen)} of {a.expect_files} files were read before the time limit",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
