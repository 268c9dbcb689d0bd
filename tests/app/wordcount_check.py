#!/usr/bin/env python3
"""End-to-end checks of `gpustream wordcount`, `gpustream grep` and the network examples.

    wordcount_check.py generator-json GPUSTREAM
    wordcount_check.py generator-text GPUSTREAM WORK_DIR
    wordcount_check.py directory      GPUSTREAM WORK_DIR
    wordcount_check.py directory-existing GPUSTREAM WORK_DIR
    wordcount_check.py directory-binary GPUSTREAM WORK_DIR
    wordcount_check.py checkpoint     GPUSTREAM WORK_DIR
    wordcount_check.py socket         GPUSTREAM WORK_DIR
    wordcount_check.py socket-algorithms GPUSTREAM WORK_DIR
    wordcount_check.py grep-directory GPUSTREAM WORK_DIR
    wordcount_check.py grep-socket    GPUSTREAM WORK_DIR
    wordcount_check.py grep-checkpoint GPUSTREAM WORK_DIR
    wordcount_check.py example        NETWORK_WORDCOUNT
    wordcount_check.py field-example  NETWORK_FIELD_COUNT
    wordcount_check.py trending-example NETWORK_TRENDING_WORDS

Each runs the program on known input and compares what it wrote with word
counts computed here, independently: words are runs of bytes between ASCII
whitespace (space, \\t, \\n, \\v, \\f, \\r), as bytes.split() cuts them. The
grep checks compare the lines written with the lines that contain the
pattern, cut here at '\\n' (a '\\r' before it dropped, as in CRLF text).
Exits 0 when the check passes, 1 with a message when it fails.
"""

import collections
import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time


class CheckFailed(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


def reference_counts(data):
    return collections.Counter(w.decode("utf-8") for w in data.split())


def sample_text():
    """Text with every kind of line the receivers meet, and words that need
    escaping in JSON."""
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    lines = []
    for i in range(3000):
        lines.append(" ".join(words[(i * 7 + k * 3) % len(words)] for k in range(1 + i % 9)))
    lines.append('she said "hi" to a\\b and \x01ctl\x1f')   # quote, backslash, control bytes
    lines.append("na\u00efve caf\u00e9 \u6f22\u5b57 alpha")  # UTF-8 passes through
    lines.append("crlf line\r")                                # CRLF
    lines.append("")                                           # an empty line
    lines.append("\ttabs\tand\x0bvertical\x0cfeeds  alpha ")
    text = "\n".join(lines) + "\nlast line without newline"
    return text.encode("utf-8")


class Program:
    """A program under test, its stderr read by a thread (so that it never blocks)."""

    def __init__(self, args, stdout=subprocess.DEVNULL):
        print("running:", " ".join(args), flush=True)
        self.proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE)
        self.stderr_lines = []
        self.started = threading.Event()
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            self.stderr_lines.append(line)
            if "streaming context started" in line:
                self.started.set()

    def wait_started(self, timeout):
        if not self.started.wait(timeout):
            self.kill()
            raise CheckFailed("the program did not report its start within %g s" % timeout)

    def wait(self, timeout):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise CheckFailed("the program did not end within %g s" % timeout)
        self.reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr(self):
        return "".join(self.stderr_lines)


def parse_json_lines(data, interval_ms):
    """Checks every line and sums the counts per word."""
    totals = collections.Counter()
    lines = data.decode("utf-8").splitlines()
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError as e:
            raise CheckFailed("not a JSON line: %r (%s)" % (line, e))
        expect(isinstance(record, dict) and sorted(record) == ["count", "time", "word"],
               "expected the fields time, word and count: %r" % line)
        expect(isinstance(record["time"], int) and record["time"] > 0, "bad time: %r" % line)
        expect(record["time"] % interval_ms == 0,
               "the batch time is not a multiple of the %d ms interval: %r" % (interval_ms, line))
        expect(isinstance(record["word"], str) and record["word"], "bad word: %r" % line)
        expect(isinstance(record["count"], int) and record["count"] > 0, "bad count: %r" % line)
        totals[record["word"]] += record["count"]
    return totals, len(lines)


def compare(got, want):
    if got == want:
        return
    missing = {w: c for w, c in want.items() if got.get(w) != c}
    extra = {w: c for w, c in got.items() if w not in want}
    raise CheckFailed("counts differ from the reference; wrong or missing: %s; unexpected: %s"
                      % (dict(list(missing.items())[:10]), dict(list(extra.items())[:10])))


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def move_in(staging, incoming, name, data):
    """Writes `data` under `staging`, then moves it into `incoming` whole, as textFileStream expects."""
    staged = os.path.join(staging, name)
    with open(staged, "wb") as f:
        f.write(data)
    os.rename(staged, os.path.join(incoming, name))


def wait_for_json_counts(p, output, want, interval_ms, timeout=10):
    """Waits until the whole JSON lines written to `output` sum to `want`, while `p` runs."""
    deadline = time.monotonic() + timeout
    got = collections.Counter()
    while time.monotonic() < deadline and p.proc.poll() is None:
        written = read_file(output)
        got, _ = parse_json_lines(written[:written.rfind(b"\n") + 1], interval_ms)  # whole lines only
        if got == want:
            break
        time.sleep(0.1)
    expect(p.proc.poll() is None, "the program ended early; stderr:\n" + p.stderr())
    compare(got, want)


def stop_and_check_json_counts(p, output, want, interval_ms):
    """Stops `p` with SIGTERM (it must stop gracefully, with exit status 0), then checks that all it wrote
    to `output` sums to `want`."""
    p.proc.send_signal(signal.SIGTERM)
    rc = p.wait(10)  # kills it when it does not end
    expect(rc == 0, "exit status %d after SIGTERM; stderr:\n%s" % (rc, p.stderr()))
    expect("stopped (graceful)" in p.stderr(), "no graceful stop reported:\n" + p.stderr())
    got, n = parse_json_lines(read_file(output), interval_ms)
    compare(got, want)
    print("%d JSON lines; %d words in %d distinct words, as expected" % (n, sum(want.values()), len(want)))


# ---- the checks ----

def check_generator_json(program):
    """`--source generator --duration 2s --batch 500ms --output json:-`: JSON lines with a time field."""
    p = Program([program, "wordcount", "--source", "generator", "--duration", "2s", "--batch", "500ms",
                 "--output", "json:-", "--rate-mib", "0.25"], stdout=subprocess.PIPE)
    watchdog = threading.Timer(20, p.kill)  # the read below ends when the program does
    watchdog.start()
    out = p.proc.stdout.read()
    watchdog.cancel()
    rc = p.wait(5)
    expect(rc == 0, "exit status %d; stderr:\n%s" % (rc, p.stderr()))
    totals, n = parse_json_lines(out, 500)
    expect(n > 0, "no JSON lines on stdout")
    expect("stopped (graceful)" in p.stderr(), "no graceful stop reported:\n" + p.stderr())
    print("%d JSON lines, %d distinct words, %d words" % (n, len(totals), sum(totals.values())))


def check_generator_text(program, work):
    """`--output text:PREFIX`: a directory PREFIX-<batch time> per batch, with part-00000 and _SUCCESS."""
    fresh_dir(work)
    prefix = os.path.join(work, "counts")
    p = Program([program, "wordcount", "--source", "generator:logs", "--duration", "1500ms", "--batch", "500ms",
                 "--output", "text:" + prefix, "--rate-mib", "0.1", "--quiet"])
    rc = p.wait(20)
    expect(rc == 0, "exit status %d; stderr:\n%s" % (rc, p.stderr()))
    dirs = sorted(d for d in os.listdir(work) if re.fullmatch(r"counts-[0-9]+", d))
    expect(dirs, "no counts-<time> directory in %s: %s" % (work, os.listdir(work)))
    records = 0
    for d in dirs:
        expect(os.path.isfile(os.path.join(work, d, "_SUCCESS")), d + " has no _SUCCESS")
        for line in read_file(os.path.join(work, d, "part-00000")).decode("utf-8", "replace").splitlines():
            expect(re.fullmatch(r"\(.+,[0-9]+\)", line), "unexpected record %r in %s" % (line, d))
            records += 1
    expect(records > 0, "no records written")
    print("%d batch directories, %d records" % (len(dirs), records))


def check_directory(program, work):
    """`--source dir:PATH`: a file moved in is counted once; a file present at the start is not; SIGTERM stops
    the program gracefully; json:FILE makes FILE's missing directory."""
    fresh_dir(work)
    incoming = fresh_dir(os.path.join(work, "incoming"))
    staging = fresh_dir(os.path.join(work, "staging"))
    with open(os.path.join(incoming, "old.txt"), "wb") as f:
        f.write(b"present before the start\n")
    output = os.path.join(work, "out", "counts.json")  # the directory is made
    data = sample_text()
    want = reference_counts(data)

    p = Program([program, "wordcount", "--source", "dir:" + incoming, "--batch", "500ms",
                 "--output", "json:" + output, "--quiet"])
    try:
        p.wait_started(10)
        move_in(staging, incoming, "words.txt", data)

        wait_for_json_counts(p, output, want, 500)
    except BaseException:
        p.kill()
        raise
    stop_and_check_json_counts(p, output, want, 500)  # nothing twice, nothing from the file present at start


def check_directory_existing(program, work):
    """`--source dir:PATH --existing-files --files '*.log'`: the .log files present at the start are counted,
    and those moved in later; other names, hidden files and temporary files are not."""
    fresh_dir(work)
    incoming = fresh_dir(os.path.join(work, "incoming"))
    staging = fresh_dir(os.path.join(work, "staging"))
    output = os.path.join(work, "counts.json")
    present = sample_text()
    for name, data in [("present.log", present), ("present.txt", b"not a log file\n"),
                       (".hidden.log", b"a hidden file\n"), ("partial.log.tmp", b"being written\n")]:
        with open(os.path.join(incoming, name), "wb") as f:
            f.write(data)
    later = b"\n".join(b"later%d words%d" % (i % 17, i % 5) for i in range(2000))

    p = Program([program, "wordcount", "--source", "dir:" + incoming, "--existing-files", "--files", "*.log",
                 "--batch", "500ms", "--output", "json:" + output])
    try:
        p.wait_started(10)
        expect("files in %s named *.log" % incoming in p.stderr(), "the source is not described:\n" + p.stderr())
        wait_for_json_counts(p, output, reference_counts(present), 500)
        move_in(staging, incoming, "later.log", later)
        move_in(staging, incoming, "later.txt", b"not a log file either\n")
        want = reference_counts(present + b"\n" + later)
        wait_for_json_counts(p, output, want, 500)
    except BaseException:
        p.kill()
        raise
    stop_and_check_json_counts(p, output, want, 500)


def check_directory_binary(program, work):
    """`--source dir:PATH`: a file that is not text (a gzip-compressed log) is skipped, named on stderr and
    counted in the batch's log line, while the text beside it is counted; with `--binary-files read` a file
    with NUL bytes is counted as text."""
    for mode in ("skip", "read"):
        run_dir = fresh_dir(os.path.join(work, mode))
        incoming = fresh_dir(os.path.join(run_dir, "incoming"))
        staging = fresh_dir(os.path.join(run_dir, "staging"))
        output = os.path.join(run_dir, "counts.json")
        text = sample_text()
        args = [program, "wordcount", "--source", "dir:" + incoming, "--batch", "500ms", "--output", "json:" + output]
        if mode == "read":
            args += ["--binary-files", "read"]
        p = Program(args)
        try:
            p.wait_started(10)
            if mode == "skip":
                move_in(staging, incoming, "access.log.gz", gzip.compress(text))
                want = reference_counts(text)
            else:
                nul_text = b"with\x00nul bytes\n" * 50 + text
                move_in(staging, incoming, "nul.dat", nul_text)
                want = reference_counts(nul_text + b"\n" + text)
            move_in(staging, incoming, "words.txt", text)
            wait_for_json_counts(p, output, want, 500)
        except BaseException:
            p.kill()
            raise
        stop_and_check_json_counts(p, output, want, 500)
        err = p.stderr()
        if mode == "skip":
            expect("access.log.gz' is not text (a NUL byte at byte 3): skipped" in err,
                   "the skipped file is not named:\n" + err)
            expect(", 1 non-text file(s) skipped" in err, "no batch counted the skipped file:\n" + err)
        else:
            expect("is not text" not in err, "a file read as text was reported:\n" + err)


def run_over_a_kill(args, move_in_text, wait_for_output):
    """The checkpoint checks' run: starts `args`, moves text 0 in and waits for its output
    (`wait_for_output(p)`), kills the program with SIGKILL, moves text 1 in while it is down, starts it
    again, moves text 2 in, waits for all the output, and stops it with SIGTERM: it must exit 0 and report
    that it recovered from its checkpoint."""
    p = Program(args)
    try:
        p.wait_started(10)
        move_in_text(0)
        wait_for_output(p)
        time.sleep(0.3)  # batches after the newest checkpoint: their output is rolled back at the restart
    finally:
        p.kill()  # SIGKILL
    move_in_text(1)  # while the program is down
    p = Program(args)
    try:
        p.wait_started(10)
        move_in_text(2)
        wait_for_output(p)
        p.proc.send_signal(signal.SIGTERM)
        rc = p.wait(10)
    finally:
        p.kill()
    expect(rc == 0, "exit status %d after SIGTERM; stderr:\n%s" % (rc, p.stderr()))
    expect("recovered from checkpoint" in p.stderr(), "no recovery reported:\n" + p.stderr())


def check_checkpoint(program, work):
    """`--checkpoint DIR --wal` with a directory source and JSON lines: killed with SIGKILL and started
    again (a file moved in while it is down), the program goes on from its checkpoint; the JSON file ends
    up with every word counted exactly once."""
    fresh_dir(work)
    incoming = fresh_dir(os.path.join(work, "incoming"))
    staging = fresh_dir(os.path.join(work, "staging"))
    output = os.path.join(work, "counts.json")
    args = [program, "wordcount", "--source", "dir:" + incoming, "--batch", "250ms", "--output", "json:" + output,
            "--checkpoint", os.path.join(work, "checkpoint"), "--checkpoint-interval", "1s", "--wal"]
    texts = [sample_text() + ("run %d only\n" % i).encode() for i in range(3)]
    want = collections.Counter()

    def move_in_text(i):
        move_in(staging, incoming, "words-%d.txt" % i, texts[i])
        want.update(reference_counts(texts[i]))

    def wait_for_want(p):
        wait_for_json_counts(p, output, want, 250, timeout=15)

    run_over_a_kill(args, move_in_text, wait_for_want)
    got, n = parse_json_lines(read_file(output), 250)
    compare(got, want)

    # A damaged newest checkpoint: a one-line error naming the file, exit status 1, no stack trace.
    ckpt = os.path.join(work, "checkpoint")
    newest = max((f for f in os.listdir(ckpt) if re.fullmatch(r"checkpoint-[0-9]+", f)),
                 key=lambda f: int(f.split("-")[1]))
    path = os.path.join(ckpt, newest)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    p = Program(args)
    rc = p.wait(20)
    err = p.stderr()
    expect(rc == 1, "exit status %d with a truncated checkpoint; stderr:\n%s" % (rc, err))
    expect(re.search(r"^gpustream: error: .*" + re.escape(path) + r".*(corrupt|truncated)", err, re.M),
           "the error does not name the damaged checkpoint:\n" + err)
    print("%d JSON lines over a kill and a restart; %d words counted once each; a truncated checkpoint "
          "refused by name" % (n, sum(want.values())))


class OneShotServer:
    """A TCP server on a free port of 127.0.0.1: the first connection gets `data`, then is closed (if
    `close`) or held open; later connections are held open without data."""

    def __init__(self, data, close):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.data = data
        self.close_first = close
        self.held = []
        self.served = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if not self.served.is_set():
                conn.sendall(self.data)
                self.served.set()
                if self.close_first:
                    conn.shutdown(socket.SHUT_RDWR)
                    conn.close()
                    continue
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for c in self.held:
            c.close()


def check_socket(program, work, extra=()):
    """`--source socket:127.0.0.1:PORT --duration 3s --output json:FILE`: the summed counts equal the
    reference, the last line without newline included (it ends with the connection)."""
    fresh_dir(work)
    output = os.path.join(work, "counts.json")
    data = sample_text()
    want = reference_counts(data)
    server = OneShotServer(data, close=True)
    try:
        p = Program([program, "wordcount", "--source", "socket:127.0.0.1:%d" % server.port, "--duration", "3s",
                     "--output", "json:" + output] + list(extra))
        rc = p.wait(20)
    finally:
        server.close()
    expect(server.served.is_set(), "the program never connected; stderr:\n" + p.stderr())
    expect(rc == 0, "exit status %d; stderr:\n%s" % (rc, p.stderr()))
    got, n = parse_json_lines(read_file(output), 1000)
    compare(got, want)
    print("%d JSON lines; %d words in %d distinct words, as expected" % (n, sum(want.values()), len(want)))


def check_socket_each_algorithm(program, work):
    """The same, with `--algorithm sort` and with `--algorithm hash`: the same counts."""
    for algorithm in ("sort", "hash"):
        check_socket(program, os.path.join(work, algorithm), ["--algorithm", algorithm])


# ---- gpustream grep ----

def grep_text():
    """Lines that contain the pattern "ERR" at the start, in the middle and at the end, lines with only part of
    it, CRLF lines, UTF-8 and invalid UTF-8, JSON's special characters, an empty line, and a last line without
    newline that matches."""
    forms = [b"ERR at the start %d", b"in the middle ERR %d here", b"at the end %d ERR",
             b"only ER and RR and E R R %d", b"crlf ERR %d\r", b"nothing here %d", b""]
    lines = [forms[i % len(forms)] % i if forms[i % len(forms)] else b"" for i in range(4000)]
    lines.append(u"caf\u00e9 ERR \u6f22\u5b57 \"quoted\" back\\slash \x01".encode("utf-8"))
    lines.append(b"invalid \xff\xfe ERR utf-8")
    return b"\n".join(lines) + b"\nlast ERR line without newline"


def grep_reference(data, pattern):
    """The lines of `data` that contain `pattern`, in order: cut at '\n', a '\r' before it dropped."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()  # no line after the last newline
    lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    return [line for line in lines if pattern in line]


def parse_grep_json(data, interval_ms):
    """The lines of `{"time":..,"line":..}` JSON lines, in order, checking each."""
    lines = []
    for raw in data.splitlines():
        try:
            record = json.loads(raw.decode("utf-8", "surrogateescape"))
        except ValueError as e:
            raise CheckFailed("not a JSON line: %r (%s)" % (raw, e))
        expect(isinstance(record, dict) and sorted(record) == ["line", "time"], "expected time and line: %r" % raw)
        expect(isinstance(record["time"], int) and record["time"] % interval_ms == 0, "bad time: %r" % raw)
        lines.append(record["line"].encode("utf-8", "surrogateescape"))
    return lines


def compare_lines(got, want):
    if got == want:
        return
    at = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    raise CheckFailed("%d lines written, %d expected; first difference at line %d: got %r, expected %r"
                      % (len(got), len(want), at, got[at] if at < len(got) else None,
                         want[at] if at < len(want) else None))


def check_grep_directory(program, work):
    """`gpustream grep --source dir:PATH --pattern ERR --output json:FILE`: the matching lines of the files moved
    in, in order, each once; then `--count --output json:FILE`: one count per batch, zero for batches without
    data, summing to the number of matching lines."""
    fresh_dir(work)
    incoming = fresh_dir(os.path.join(work, "incoming"))
    staging = fresh_dir(os.path.join(work, "staging"))
    output = os.path.join(work, "out", "lines.json")
    data = grep_text()
    want = grep_reference(data, b"ERR")
    p = Program([program, "grep", "--source", "dir:" + incoming, "--pattern", "ERR", "--batch", "500ms",
                 "--output", "json:" + output, "--quiet"])
    try:
        p.wait_started(10)
        move_in(staging, incoming, "a.log", data)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(read_file(output).splitlines()) < len(want):
            time.sleep(0.1)
        move_in(staging, incoming, "b.log", b"no match\nERR second file\n")
        want += [b"ERR second file"]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(read_file(output).splitlines()) < len(want):
            time.sleep(0.1)
        p.proc.send_signal(signal.SIGTERM)
        rc = p.wait(10)
    finally:
        p.kill()
    expect(rc == 0, "exit status %d after SIGTERM; stderr:\n%s" % (rc, p.stderr()))
    compare_lines(parse_grep_json(read_file(output), 500), want)

    counts = os.path.join(work, "counts.json")
    p = Program([program, "grep", "--source", "dir:" + incoming, "--existing-files", "--files", "*.log",
                 "--pattern", "ERR", "--count", "--batch", "250ms", "--duration", "1500ms",
                 "--output", "json:" + counts, "--quiet"])
    rc = p.wait(20)
    expect(rc == 0, "exit status %d; stderr:\n%s" % (rc, p.stderr()))
    records = [json.loads(line) for line in read_file(counts).splitlines()]
    expect(len(records) >= 4, "expected a count for each of at least 4 batches: %r" % records)
    expect(all(sorted(r) == ["count", "time"] and r["time"] % 250 == 0 for r in records), "bad records: %r" % records)
    expect(sum(r["count"] for r in records) == len(want), "counts sum to %d, expected %d: %r"
           % (sum(r["count"] for r in records), len(want), records))
    expect(any(r["count"] == 0 for r in records), "no zero count for a batch without data: %r" % records)
    print("%d matching lines in order, each once; %d batch counts summing to them" % (len(want), len(records)))


def check_grep_socket(program, work):
    """`gpustream grep --source socket:... --pattern ERR` (the default output, lines on stdout): the bytes of
    the matching lines as they came, invalid UTF-8 included; `--pattern ''` writes every line."""
    fresh_dir(work)
    data = grep_text()
    for pattern in (b"ERR", b""):
        server = OneShotServer(data, close=True)
        try:
            p = Program([program, "grep", "--source", "socket:127.0.0.1:%d" % server.port, "--pattern",
                         pattern.decode(), "--duration", "3s", "--batch", "250ms"], stdout=subprocess.PIPE)
            watchdog = threading.Timer(20, p.kill)
            watchdog.start()
            out = p.proc.stdout.read()
            watchdog.cancel()
            rc = p.wait(5)
        finally:
            server.close()
        expect(rc == 0, "exit status %d; stderr:\n%s" % (rc, p.stderr()))
        want = grep_reference(data, pattern)
        compare_lines(out.split(b"\n")[:-1] if out.endswith(b"\n") else out.split(b"\n"), want)
        print("pattern %r: %d lines written as they came" % (pattern, len(want)))


def check_grep_checkpoint(program, work):
    """`gpustream grep --checkpoint DIR --wal --output json:FILE` from a directory: killed with SIGKILL and
    started again (a file moved in while it is down), every matching line is in the file exactly once."""
    fresh_dir(work)
    incoming = fresh_dir(os.path.join(work, "incoming"))
    staging = fresh_dir(os.path.join(work, "staging"))
    output = os.path.join(work, "lines.json")
    args = [program, "grep", "--source", "dir:" + incoming, "--pattern", "ERR", "--batch", "250ms",
            "--output", "json:" + output, "--checkpoint", os.path.join(work, "checkpoint"),
            "--checkpoint-interval", "1s", "--wal"]
    texts = [grep_text() + (b"\nERR run %d only" % i) for i in range(3)]
    want = []

    def wait_for_want(p):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and p.proc.poll() is None:
            written = read_file(output)
            if sorted(parse_grep_json(written[:written.rfind(b"\n") + 1], 250)) == sorted(want):
                return
            time.sleep(0.1)
        expect(p.proc.poll() is None, "the program ended early; stderr:\n" + p.stderr())

    def move_in_text(i):
        move_in(staging, incoming, "t%d.log" % i, texts[i])
        want.extend(grep_reference(texts[i], b"ERR"))

    run_over_a_kill(args, move_in_text, wait_for_want)
    got = parse_grep_json(read_file(output), 250)
    expect(sorted(got) == sorted(want), "%d lines written, %d expected once each" % (len(got), len(want)))
    print("%d matching lines over a kill and a restart, each once" % len(want))


def check_example(program):
    """network_wordcount HOST PORT: pprint batches with the counts of the text sent; SIGINT stops it
    gracefully."""
    data = b"gpu stream gpu\nbatch gpu stream\n"
    check_counts_example(program, [], data, reference_counts(data))


def check_field_example(program):
    """network_field_count HOST PORT --delimiters ',;' --min-count 2: the fields of each line, split and
    thresholded by the user's functors; "d" (once) is left out. Every field that is kept occurs twice
    within one line, so a batch boundary between the lines changes nothing."""
    data = b"a,a;b,b\nc;c,d\n"
    check_counts_example(program, ["--delimiters", ",;", "--min-count", "2"], data,
                         collections.Counter({"a": 2, "b": 2, "c": 2}))


def check_trending_example(program):
    """network_trending_words HOST PORT --decay 0.5 --min-score 1: one line, in any case, arrives in one
    batch; that batch prints each word (lower case) with its count as its score, the next batch half of it,
    and the one after that neither (0.75 and 0.5 are below 1); SIGINT stops it gracefully."""

    def first_with_data(batches):
        return next((i for i, b in enumerate(batches) if b), None)

    def ready(text):
        seen = printed_batches(text)
        first = first_with_data(seen)
        return first is not None and len(seen) >= first + 4  # the batch after the third is whole

    text = run_example(program, ["--batch", "300ms", "--decay", "0.5", "--min-score", "1"],
                       b"GPU gpu Stream gpu STREAM\n", ready, timeout=15)
    seen = printed_batches(text)
    first = first_with_data(seen)
    expect(first is not None and len(seen) >= first + 4, "too few batches printed: %r" % seen)
    expect(seen[first] == {"gpu": 3.0, "stream": 2.0}, "the batch with data printed %r" % seen[first])
    expect(seen[first + 1] == {"gpu": 1.5, "stream": 1.0}, "the next batch printed %r" % seen[first + 1])
    expect(seen[first + 2] == {}, "the batch after it printed %r" % seen[first + 2])
    print("printed the decayed scores batch by batch, stopped on SIGINT")


PPRINT_HEADER = rb"-+\nTime: [0-9]+ ms\n-+\n"


def printed_counts(text):
    """The (word,count) records of pprint output, summed over its batches."""
    got = collections.Counter()
    for line in text.splitlines():
        m = re.fullmatch(rb"\((.+),([0-9]+)\)", line)
        if m:
            got[m.group(1).decode()] += int(m.group(2))
    return got


def printed_batches(text):
    """The batches of pprint output, each a dict of key -> number (a (key,value) record each), in order."""
    result = []
    for part in re.split(PPRINT_HEADER, text)[1:]:
        records = {}
        for line in part.splitlines():
            m = re.fullmatch(rb"\((.+),([0-9.E-]+)\)", line)
            if m:
                records[m.group(1).decode()] = float(m.group(2))
        result.append(records)
    return result


def check_counts_example(program, args, data, want):
    """A network example whose printed counts, summed over its batches, must come to `want`."""
    text = run_example(program, ["--batch", "500ms"] + args, data, lambda t: printed_counts(t) == want)
    compare(printed_counts(text), want)
    print("printed the expected counts, stopped on SIGINT")


def run_example(program, args, data, ready, timeout=10):
    """Runs a network example against a server that sends `data`, until `ready(what it printed so far)`
    holds or `timeout` seconds pass; then SIGINT must stop it gracefully. Returns what it had printed."""
    server = OneShotServer(data, close=False)
    p = None
    try:
        p = Program([program, "127.0.0.1", str(server.port)] + args, stdout=subprocess.PIPE)
        out = []

        def read_stdout():
            for line in p.proc.stdout:
                out.append(line)

        threading.Thread(target=read_stdout, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and p.proc.poll() is None and not ready(b"".join(list(out))):
            time.sleep(0.2)
        expect(p.proc.poll() is None, "the program ended early; stderr:\n" + p.stderr())
        text = b"".join(list(out))
        p.proc.send_signal(signal.SIGINT)
        rc = p.wait(10)
    finally:
        server.close()
        if p is not None:
            p.kill()
    expect(rc == 0, "exit status %d after SIGINT; stderr:\n%s" % (rc, p.stderr()))
    expect("stopped (graceful)" in p.stderr(), "no graceful stop reported:\n" + p.stderr())
    expect(re.search(PPRINT_HEADER, text), "no pprint header on stdout")
    return text


def main(argv):
    checks = {
        "generator-json": (check_generator_json, 1),
        "generator-text": (check_generator_text, 2),
        "directory": (check_directory, 2),
        "directory-existing": (check_directory_existing, 2),
        "directory-binary": (check_directory_binary, 2),
        "checkpoint": (check_checkpoint, 2),
        "socket": (check_socket, 2),
        "socket-algorithms": (check_socket_each_algorithm, 2),
        "grep-directory": (check_grep_directory, 2),
        "grep-socket": (check_grep_socket, 2),
        "grep-checkpoint": (check_grep_checkpoint, 2),
        "example": (check_example, 1),
        "field-example": (check_field_example, 1),
        "trending-example": (check_trending_example, 1),
    }
    if len(argv) < 2 or argv[1] not in checks or len(argv) - 2 != checks[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    check, _ = checks[argv[1]]
    try:
        check(*argv[2:])
    except CheckFailed as e:
        print("FAILED:", e, file=sys.stderr)
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
