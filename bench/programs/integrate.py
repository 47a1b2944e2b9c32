"""Numeric integration with Simpson's rule over a few functions.

Exercises: float arithmetic, calls through a function passed as an
argument (polymorphic call site), and calls into the math module.
"""

import math


def simpson(f, a, b, n):
    h = (b - a) / n
    total = f(a) + f(b)
    for i in range(1, n):
        x = a + i * h
        if i % 2:
            total += 4.0 * f(x)
        else:
            total += 2.0 * f(x)
    return total * h / 3.0


def poly(x):
    return ((0.5 * x - 1.0) * x + 2.0) * x - 3.0


def bump(x):
    return 1.0 / (1.0 + x * x)


def wave(x):
    return math.sin(x) * math.exp(-0.1 * x)


def main():
    n = 3000000
    print("poly  %.9f" % simpson(poly, 0.0, 3.0, n))
    print("bump  %.9f (pi = %.9f)" % (4.0 * simpson(bump, 0.0, 1.0, n), math.pi))
    print("wave  %.9f" % simpson(wave, 0.0, 10.0, n))


if __name__ == "__main__":
    main()
