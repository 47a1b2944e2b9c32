"""A tight integer kernel: the loop the JIT compiles completely (an int
accumulator, multiply, modulo by a constant, a branch), with nothing else.

Exercises: unboxed ints with overflow guards, constant modulo, a branch.
"""


def kernel(n):
    total = 0
    for i in range(n):
        v = (i * i) % 7
        if v > 3:
            total += v
        else:
            total -= 1
    return total


def main():
    print("int_kernel:", kernel(24_000_000))


if __name__ == "__main__":
    main()
