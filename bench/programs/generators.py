"""Generators: pipelines of generator functions and generator expressions.

Exercises: generator creation, yield/resume, `yield from`, chained
filtering and mapping, and consumption by sum() and a for loop.
"""


def naturals(start=0):
    n = start
    while True:
        yield n
        n += 1


def take(n, it):
    for x in it:
        if n <= 0:
            return
        n -= 1
        yield x


def triangles():
    total = 0
    for n in naturals(1):
        total += n
        yield total


def flatten(chunks):
    for chunk in chunks:
        yield from chunk


def main():
    evens = (x for x in take(5000000, naturals()) if x % 2 == 0)
    print("sum of squares of evens:", sum(x * x for x in evens) % 1000000007)

    count = 0
    for t in take(2000000, triangles()):
        if t % 7 == 3:
            count += 1
    print("triangles = 3 mod 7:", count)

    chunks = (range(i, i + 10) for i in range(0, 3000000, 10))
    print("flattened sum:", sum(flatten(chunks)))


if __name__ == "__main__":
    main()
