"""A tight float kernel: a damped recurrence and a running sum of squares,
the kind of loop the JIT keeps entirely in registers.

Exercises: unboxed floats, a while loop with an int counter.
"""


def kernel(n):
    x = 0.0
    s = 0.0
    i = 0
    while i < n:
        x = x * 0.999 + 1.0
        s += x * x * 1e-6
        i += 1
    return x, s


def main():
    x, s = kernel(20_000_000)
    print("float_kernel: %.6f %.6f" % (x, s))


if __name__ == "__main__":
    main()
