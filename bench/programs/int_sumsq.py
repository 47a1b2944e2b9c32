"""Integer arithmetic in a tight loop: sum of i*i mod m over a range.

Exercises: a single hot `for`/`range` loop, small-int multiply, modulo,
addition and an accumulator kept in a local variable.
"""


def sum_squares_mod(n, m):
    total = 0
    for i in range(n):
        total = (total + i * i) % m
    return total


def main():
    results = [sum_squares_mod(10000000, m) for m in (1000003, 998244353)]
    print("sum_squares_mod:", results)


if __name__ == "__main__":
    main()
