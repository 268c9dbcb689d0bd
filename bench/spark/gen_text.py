#!/usr/bin/env python3
"""Deterministic text files for the gpustream / Spark word-count comparison.

Words are drawn Zipf-distributed (s = 1.0) from a fixed vocabulary of
pronounceable lowercase words of 3-12 letters (the shape of gpustream's
text_generator), 10-15 words per line. A few separators are not a single
space (a tab, two spaces, a leading space, an empty line), so that both
engines' whitespace splitting is exercised by the correctness check.

Writes FILES files of about MIB MiB each into OUT_DIR, named part-00000.txt ...,
every line ending in '\\n', and OUT_DIR/manifest.json with each file's bytes,
lines and words (the words a whitespace split yields). The same arguments give
the same bytes. Files already there with matching manifest parameters are
kept, so a second run with the same arguments costs nothing.
"""

import argparse
import bisect
import itertools
import json
import os
import random
import sys

CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"


def vocabulary(size, rng):
    words = []
    for _ in range(size):
        n = rng.randint(3, 12)
        words.append("".join(rng.choice(CONSONANTS if i % 2 == 0 else VOWELS) for i in range(n)))
    return words


def zipf_cum_weights(size, s=1.0):
    return list(itertools.accumulate(1.0 / (rank ** s) for rank in range(1, size + 1)))


def write_file(path, target_bytes, vocab, cum, rng):
    """Writes whole lines until the file reaches target_bytes; returns (bytes, lines, words)."""
    total = 0
    lines = 0
    words = 0
    out = []
    chunk_words = 1 << 16
    tail = cum[-1]
    n_vocab = len(vocab)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        while total < target_bytes:
            # One chunk of words at a time (the same draws as random.choices with cum_weights).
            picks = [vocab[bisect.bisect(cum, rng.random() * tail, 0, n_vocab - 1)] for _ in range(chunk_words)]
            i = 0
            while i < len(picks) and total < target_bytes:
                k = rng.randint(10, 15)
                line_words = picks[i:i + k]
                i += k
                r = rng.random()
                if r < 0.01:
                    line = "\t".join(line_words)
                elif r < 0.02:
                    line = "  ".join(line_words)
                elif r < 0.03:
                    line = " " + " ".join(line_words) + " "
                elif r < 0.035:
                    line = ""
                    line_words = []
                else:
                    line = " ".join(line_words)
                line += "\n"
                out.append(line)
                total += len(line)
                lines += 1
                words += len(line_words)
            f.write("".join(out))
            out.clear()
    return total, lines, words


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("--files", type=int, default=20, help="number of files (default 20)")
    p.add_argument("--mib", type=float, default=32, help="MiB per file (default 32)")
    p.add_argument("--vocabulary", type=int, default=100000, help="distinct words (default 100000)")
    p.add_argument("--seed", type=int, default=20241126, help="random seed (default 20241126)")
    a = p.parse_args()
    if a.files < 1 or a.mib <= 0 or a.vocabulary < 1:
        p.error("--files, --mib and --vocabulary must be positive")

    params = {"files": a.files, "mib": a.mib, "vocabulary": a.vocabulary, "seed": a.seed, "version": 1}
    manifest_path = os.path.join(a.out_dir, "manifest.json")
    os.makedirs(a.out_dir, exist_ok=True)
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            old = json.load(f)
        files = [(os.path.join(a.out_dir, e["name"]), e["bytes"]) for e in old.get("files", [])]
        if old.get("params") == params and all(os.path.isfile(f) and os.path.getsize(f) == n for f, n in files):
            print(f"input: {a.files} files already in {a.out_dir}", file=sys.stderr)
            return 0

    rng = random.Random(a.seed)
    vocab = vocabulary(a.vocabulary, rng)
    cum = zipf_cum_weights(a.vocabulary)
    entries = []
    target = int(a.mib * (1 << 20))
    for i in range(a.files):
        name = f"part-{i:05d}.txt"
        b, l, w = write_file(os.path.join(a.out_dir, name), target, vocab, cum, rng)
        entries.append({"name": name, "bytes": b, "lines": l, "words": w})
        print(f"input: wrote {name}: {b} bytes, {l} lines, {w} words", file=sys.stderr)
    with open(manifest_path + ".tmp", "w") as f:
        json.dump({"params": params, "files": entries}, f, indent=1)
    os.replace(manifest_path + ".tmp", manifest_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
