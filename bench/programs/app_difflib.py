"""Application: the stdlib difflib on generated, edited texts.

Generates a base text and edited revisions of it (lines inserted, deleted,
changed, moved) and runs difflib on them the ways tools do: unified_diff
and context_diff over lines, SequenceMatcher ratios and opcodes over the
characters of changed lines, and get_close_matches over a word list.
Exercises real library code: SequenceMatcher's dict-of-lists b2j index,
find_longest_match's inner loops, recursion in get_matching_blocks,
generators yielding diff lines, and string formatting.

Prints counts and crc32 checksums of the produced diffs.
"""

import difflib
import random
import zlib

LINES = 1500      # lines in the base text
REVISIONS = 90    # edited revisions diffed against it

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu "
         "xi omicron pi rho sigma tau upsilon phi chi psi omega the of and to in "
         "is that for it as was with be by on not he this are or his from at "
         "which but have an they you were her she there been one all we their").split()


def make_line(rng):
    return " ".join(WORDS[rng.randrange(len(WORDS))] for _ in range(rng.randrange(3, 12)))


def revise(base, rng):
    """An edited copy of the list of lines *base*."""
    out = []
    for line in base:
        r = rng.random()
        if r < 0.03:
            continue                         # deleted
        if r < 0.06:
            out.append(make_line(rng))       # inserted before
        if r < 0.12:
            words = line.split()
            words[rng.randrange(len(words))] = WORDS[rng.randrange(len(WORDS))]
            line = " ".join(words)           # changed
        out.append(line)
    for _ in range(5):                       # a moved block
        i = rng.randrange(len(out) - 20)
        block = out[i:i + 10]
        del out[i:i + 10]
        j = rng.randrange(len(out))
        out[j:j] = block
    return out


def main():
    rng = random.Random(1234)
    base = [make_line(rng) for _ in range(LINES)]
    crc = 0
    total_diff = total_ctx = changed_pairs = 0
    ratio_sum = 0.0
    for rev in range(REVISIONS):
        new = revise(base, rng)
        diff = list(difflib.unified_diff(base, new, "a/text", "b/text", lineterm=""))
        total_diff += len(diff)
        crc = zlib.crc32("\n".join(diff).encode(), crc)
        ctx = list(difflib.context_diff(base, new, "a/text", "b/text", n=2, lineterm=""))
        total_ctx += len(ctx)
        crc = zlib.crc32("\n".join(ctx).encode(), crc)
        sm = difflib.SequenceMatcher(None, base, new)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag != "replace":
                continue
            for a, b in zip(base[i1:i2], new[j1:j2]):
                cm = difflib.SequenceMatcher(None, a, b)
                ratio_sum += cm.ratio()
                changed_pairs += 1
                crc = zlib.crc32(repr(cm.get_opcodes()).encode(), crc)
        if rev % 10 == 0:
            print("revision %d: %d lines, ratio %.6f" % (rev, len(new), sm.ratio()))
    vocabulary = sorted(set(" ".join(base).split()))
    probes = [w[:-1] + "x" for w in WORDS] + [w[1:] for w in WORDS]
    close = [difflib.get_close_matches(p, vocabulary, n=3, cutoff=0.5) for p in probes]
    crc = zlib.crc32(repr(close).encode(), crc)
    print("unified diff lines=%d context diff lines=%d" % (total_diff, total_ctx))
    print("changed line pairs=%d mean char ratio=%.6f" % (changed_pairs, ratio_sum / changed_pairs))
    print("close matches=%d" % sum(len(c) for c in close))
    print("crc32=%08x" % crc)


if __name__ == "__main__":
    main()
