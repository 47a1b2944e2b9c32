"""Collatz sequence lengths: a data-dependent `while` loop with branches.

Exercises: nested loops, an unpredictable if/else on parity, integer
floor division and multiply, and tracking a running maximum.
"""


def collatz_length(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def main():
    limit = 220000
    best, best_n, total = 0, 1, 0
    for n in range(1, limit):
        length = collatz_length(n)
        total += length
        if length > best:
            best, best_n = length, n
    print("longest below %d: n=%d steps=%d" % (limit, best_n, best))
    print("total steps:", total)


if __name__ == "__main__":
    main()
