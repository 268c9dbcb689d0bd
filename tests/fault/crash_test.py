#!/usr/bin/env python3
"""Crash test of checkpoints and the write-ahead log.

Runs crash_app (a stateful, windowed word count with checkpoints and the log)
on a directory or socket source, kills it with SIGKILL at random moments while
input flows, starts it again each time, and at the end stops it gracefully.
Then it checks the outputs every batch left behind against the input:

  every source:
    - totals-<t> (update_state_by_key) equals the sum of counts-<s> for s <= t
      (state recovered from the checkpoint and the log matches the batches);
    - window-<t> equals the sum of counts-<s> for t - window < s <= t, zeros
      dropped (window contents recovered too);
    - no word is counted more often than the input holds it.
  directory source: the counts over all batches and the final totals equal the
    input's word counts exactly: nothing lost, nothing counted twice.
  socket source: TCP has no acknowledgement, so lines the child had read but
    not yet logged when it was killed are lost; each line carries the id of
    the chunk it was sent in. The log holds a prefix of what each connection
    delivered, so what a kill loses is the end of that child's stream: in
    each killed child's chunks, every chunk after the first incomplete one
    is lost whole (no hole, however slow the child), and it was sent at
    most --loss-window seconds before the kill. Every chunk sent after the
    last restart is complete.

Exit status 0 on success, 77 when the child says its backend cannot run here
(ctest reports a skip), 1 on a failed check.
"""

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter


def read_dirs(out, prefix):
    """{batch time: Counter} of every complete <prefix>-<t> directory."""
    result = {}
    for name in os.listdir(out):
        if not name.startswith(prefix + "-") or name.endswith("._temporary"):
            continue
        digits = name[len(prefix) + 1:]
        if not digits.isdigit():
            continue
        path = os.path.join(out, name)
        if not os.path.exists(os.path.join(path, "_SUCCESS")):
            continue
        counts = Counter()
        with open(os.path.join(path, "part-00000"), "rb") as f:
            for line in f.read().decode("latin-1").splitlines():
                word, _, n = line[1:-1].rpartition(",")
                counts[word] += int(n)
        result[int(digits)] = counts
    return result


def rerun_batches(work):
    """Batches the restarted child ran again from the log, as its log says."""
    n = 0
    with open(os.path.join(work, "child.log"), "rb") as f:
        for line in f.read().decode("latin-1").splitlines():
            if "batch(es) of the write-ahead log run again" in line:
                n += int(line.split("; ")[-1].split()[0])
    return n


def latest_totals(out):
    totals = read_dirs(out, "totals")
    return totals[max(totals)] if totals else Counter()


class Child:
    def __init__(self, args, source, work):
        self.cmd = [args.app, "--source", source, "--checkpoint", os.path.join(work, "checkpoint"),
                    "--out", os.path.join(work, "out"), "--backend", args.backend,
                    "--batch-ms", str(args.batch_ms), "--window-batches", str(args.window_batches),
                    "--checkpoint-batches", str(args.checkpoint_batches)]
        self.log = open(os.path.join(work, "child.log"), "ab")
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.log.write(f"==== start {self.starts}\n".encode())
        self.log.flush()
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=self.log)
        time.sleep(0.05)
        if self.proc.poll() == 77:
            print("crash_test: skipped: the child's backend cannot run here")
            sys.exit(77)

    def wait_started(self, timeout=120):
        """Until this start's context has started (its log says so, after it
        wrote its first checkpoint): a fresh context takes the files already in
        the directory as old, so files for it must come after that."""
        path = os.path.join(os.path.dirname(self.log.name), "child.log")
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.check_alive()
            with open(path, "rb") as f:
                if f.read().count(b"streaming context started") >= self.starts:
                    return
            time.sleep(0.02)
        fail(f"the child did not start within {timeout} s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def check_alive(self):
        rc = self.proc.poll()
        if rc is not None:
            if rc == 77:
                print("crash_test: skipped: the child's backend cannot run here")
                sys.exit(77)
            fail(f"the child exited by itself with status {rc}; see its log")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("the child did not stop within 60 s of SIGTERM")
        if rc == 77:
            sys.exit(77)
        if rc != 0:
            fail(f"the child exited with status {rc} after SIGTERM")


WORK = None


def fail(message):
    print("crash_test: FAILED: " + message)
    if WORK:
        log = os.path.join(WORK, "child.log")
        if os.path.exists(log):
            with open(log, "rb") as f:
                lines = f.read().decode("latin-1").splitlines()
            # Every line but the per-batch ones (starts, recoveries, warnings),
            # then the last batches: what a failure needs, in a few kB.
            events = [l for l in lines if not l.startswith("[info] batch ")]
            batches = [l for l in lines if l.startswith("[info] batch ")]
            print("---- child log: events ----\n" + "\n".join(events[-80:]))
            print("---- child log: last batches ----\n" + "\n".join(batches[-8:]))
    sys.exit(1)


def random_lines(rng, n, tag=None):
    vocab = 300
    lines = []
    for _ in range(n):
        words = [f"w{min(int(rng.expovariate(1 / 40)), vocab)}" for _ in range(rng.randint(0, 12))]
        if tag is not None:
            words.insert(rng.randint(0, len(words)), tag)
        lines.append(" ".join(words))
    return lines


def check_consistency(out, window_ms):
    counts = read_dirs(out, "counts")
    totals = read_dirs(out, "totals")
    windows = read_dirs(out, "window")
    if not counts:
        fail("no batch output at all")
    times = sorted(counts)
    running = Counter()
    running_at = {}
    for t in times:
        running.update(counts[t])
        running_at[t] = +running
    for t, got in totals.items():
        if t not in running_at:
            fail(f"totals-{t} has no counts-{t} beside it")
        if +got != running_at[t]:
            diff = {w: (got[w], running_at[t][w]) for w in set(got) | set(running_at[t]) if got[w] != running_at[t][w]}
            fail(f"totals-{t} differs from the sum of the batches up to it (word: (got, expected)): "
                 f"{dict(list(diff.items())[:8])}")
    for t, got in windows.items():
        want = Counter()
        for s in times:
            if t - window_ms < s <= t:
                want.update(counts[s])
        if +got != +want:
            diff = {w: (got[w], want[w]) for w in set(got) | set(want) if got[w] != want[w]}
            fail(f"window-{t} differs from the batches in its window (word: (got, expected)): "
                 f"{dict(list(diff.items())[:8])}")
    total = Counter()
    for c in counts.values():
        total.update(c)
    return total, totals[max(totals)] if totals else Counter(), len(times)


def run_directory(args, rng, child, work):
    incoming = os.path.join(work, "in")
    staging = os.path.join(work, "staging")
    os.makedirs(incoming)
    os.makedirs(staging)
    reference = Counter()
    files = []
    for i in range(args.files):
        lines = random_lines(rng, rng.choice([0, 5, 200, 2000, 12000]))
        text = "\n".join(lines)
        if lines and rng.random() < 0.7:
            text += "\n"
        files.append((f"f{i:04d}.txt", text))
        for line in lines:
            reference.update(line.split())
    # A file present before the first start is not read (Spark's newFilesOnly).
    with open(os.path.join(incoming, "before.txt"), "w") as f:
        f.write("preexisting preexisting\n")

    child.start()
    # A GPU context can take seconds to start; files moved in before its
    # receiver lists the directory would count as already there (and a kill
    # before its first checkpoint would make the next start a fresh one too).
    child.wait_started()
    kill_at = sorted(rng.sample(range(len(files)), args.kills))
    for i, (name, text) in enumerate(files):
        with open(os.path.join(staging, name), "w") as f:
            f.write(text)
        os.rename(os.path.join(staging, name), os.path.join(incoming, name))
        time.sleep(rng.uniform(0, 2.5 * args.batch_ms / 1000))
        child.check_alive()
        while kill_at and kill_at[0] == i:
            kill_at.pop(0)
            time.sleep(rng.uniform(0, 2 * args.batch_ms / 1000))
            child.kill()
            time.sleep(rng.uniform(0, 0.3))  # files may arrive while it is down
            child.start()
    deadline = time.time() + 90
    while +latest_totals(os.path.join(work, "out")) != reference and time.time() < deadline:
        child.check_alive()
        time.sleep(0.2)
    child.stop()
    total, final, batches = check_consistency(os.path.join(work, "out"), args.batch_ms * args.window_batches)
    if +final != reference or +total != reference:
        got = final if +final != reference else total
        diff = {w: (got[w], reference[w]) for w in set(got) | set(reference) if got[w] != reference[w]}
        fail(f"counts differ from the input (word: (got, expected)): {dict(list(diff.items())[:10])}")
    print(f"crash_test: directory source: {len(files)} files, {sum(reference.values())} words, "
          f"{child.starts} starts ({args.kills} kills), {batches} batches, {rerun_batches(work)} run again "
          f"from the log: exact")


def run_socket(args, rng, child, work):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    child.cmd[child.cmd.index("--source") + 1] = f"socket:127.0.0.1:{port}"

    chunks = []  # (tag, lines, epoch of the child it was sent to, when its sending ended)
    kill_times = []  # kill_times[e]: when the child of epoch e was killed
    sent_lock = threading.Lock()
    state = {"epoch": 0, "conn": None}

    def accept_loop():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with sent_lock:
                if state["conn"] is not None:
                    state["conn"].close()
                state["conn"] = conn

    threading.Thread(target=accept_loop, daemon=True).start()
    child.start()
    kill_at = sorted(rng.sample(range(args.chunks - 10), args.kills))
    i = 0
    while i < args.chunks:
        with sent_lock:
            conn = state["conn"]
        if conn is None:
            time.sleep(0.01)
            continue
        tag = f"chunk{i}"
        lines = random_lines(rng, rng.randint(1, 300), tag)
        data = ("\n".join(lines) + "\n").encode()
        try:
            conn.sendall(data)
        except OSError:
            with sent_lock:
                if state["conn"] is conn:
                    state["conn"] = None
            chunks.append((tag, lines, state["epoch"], time.time()))  # maybe partly sent: may be lost
            i += 1
            continue
        chunks.append((tag, lines, state["epoch"], time.time()))
        time.sleep(rng.uniform(0, args.batch_ms / 1000 / 2))
        child.check_alive()
        if kill_at and kill_at[0] == i:
            kill_at.pop(0)
            child.kill()
            kill_times.append(time.time())
            with sent_lock:
                if state["conn"] is not None:
                    state["conn"].close()
                state["conn"] = None
            state["epoch"] += 1
            time.sleep(rng.uniform(0, 0.3))
            child.start()
        i += 1
    last_tag, last_lines = chunks[-1][:2]
    deadline = time.time() + 90
    while latest_totals(os.path.join(work, "out"))[last_tag] < len(last_lines) and time.time() < deadline:
        child.check_alive()
        time.sleep(0.2)
    child.stop()
    server.close()

    total, final, batches = check_consistency(os.path.join(work, "out"), args.batch_ms * args.window_batches)
    reference = Counter()
    for _, lines, _, _ in chunks:
        for line in lines:
            reference.update(line.split())
    over = {w: (total[w], reference[w]) for w in total if total[w] > reference[w]}
    if over:
        fail(f"words counted more often than sent (word: (got, sent)): {dict(list(over.items())[:10])}")
    if +final != +total:
        fail("the final totals differ from the sum of all batches")
    incomplete = [(tag, total[tag], len(lines), epoch) for tag, lines, epoch, _ in chunks if total[tag] != len(lines)]
    late = [c for c in incomplete if c[3] == state["epoch"]]
    if late:
        fail(f"chunks sent after the last restart are incomplete (tag, lines counted, lines sent, epoch): {late[:5]}")
    # What a kill loses is what was in flight (read but not yet logged, or
    # still in the socket buffers): the end of that child's stream.
    for epoch in range(state["epoch"]):
        mine = [c for c in chunks if c[2] == epoch]
        first = next((k for k, (tag, lines, _, _) in enumerate(mine) if total[tag] != len(lines)), None)
        if first is None:
            continue
        holes = [(tag, total[tag], len(lines)) for tag, lines, _, _ in mine[first + 1:] if total[tag] != 0]
        if holes:
            fail(f"child {epoch + 1} lost chunk {mine[first][0]} but later chunks of it were counted "
                 f"(tag, lines counted, lines sent): {holes[:5]}: a hole, not the end of its stream")
        early = kill_times[epoch] - mine[first][3]
        if early > args.loss_window:
            fail(f"child {epoch + 1} lost chunk {mine[first][0]}, sent {early:.2f} s before the kill "
                 f"(more than --loss-window {args.loss_window} s): data was left unlogged too long")
    print(f"crash_test: socket source: {len(chunks)} chunks, {sum(reference.values())} words sent, "
          f"{child.starts} starts ({args.kills} kills), {batches} batches, {rerun_batches(work)} run again "
          f"from the log; {len(incomplete)} chunk(s) "
          f"cut short by a kill, no word counted twice")


def main():
    global WORK
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--app", required=True, help="the crash_app program")
    ap.add_argument("--source", choices=["dir", "socket"], required=True)
    ap.add_argument("--backend", default="cpu")
    ap.add_argument("--seed", type=int, default=None, help="default: a fresh one, printed")
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--chunks", type=int, default=120)
    ap.add_argument("--loss-window", type=float, default=5.0,
                    help="socket source: the most seconds before a kill that a lost chunk may have been sent")
    ap.add_argument("--batch-ms", type=int, default=200)
    ap.add_argument("--window-batches", type=int, default=3)
    ap.add_argument("--checkpoint-batches", type=int, default=5,
                    help="batches per checkpoint: the log holds up to this many batches at a kill")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"crash_test: source {args.source}, backend {args.backend}, seed {seed} "
          f"(replay with --seed {seed})", flush=True)
    rng = random.Random(seed)
    WORK = tempfile.mkdtemp(prefix="gpustream_crash_")
    child = Child(args, "dir:" + os.path.join(WORK, "in"), WORK)
    os.makedirs(os.path.join(WORK, "out"))
    try:
        if args.source == "dir":
            run_directory(args, rng, child, WORK)
        else:
            run_socket(args, rng, child, WORK)
    finally:
        if child.proc and child.proc.poll() is None:
            child.proc.kill()
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            print("crash_test: work directory kept: " + WORK)


if __name__ == "__main__":
    main()
