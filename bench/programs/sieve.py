"""Sieve of Eratosthenes, repeated a few times over a list of flags.

Exercises: list allocation, indexed stores in a strided inner loop,
boolean tests on list items, and counting.
"""


def sieve(limit):
    flags = [True] * (limit + 1)
    flags[0] = flags[1] = False
    i = 2
    while i * i <= limit:
        if flags[i]:
            j = i * i
            while j <= limit:
                flags[j] = False
                j += i
        i += 1
    return flags


def main():
    limit = 2000000
    count = 0
    last = 0
    for _ in range(4):
        flags = sieve(limit)
        count = 0
        for n in range(limit + 1):
            if flags[n]:
                count += 1
                last = n
    print("primes below %d: %d, largest %d" % (limit, count, last))


if __name__ == "__main__":
    main()
