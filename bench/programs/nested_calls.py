"""Nested loops calling small helper functions (candidates for inlining).

Exercises: call overhead of tiny Python functions with positional and
default arguments, a function returning a tuple, and a 2-D grid walk.
"""


def clamp(v, lo=0, hi=255):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


def blend(a, b, t):
    return (a * (16 - t) + b * t) >> 4


def pixel(x, y):
    return (x * 7 + y * 13) & 255, (x ^ y) & 255


def main():
    size = 1800
    acc = 0
    for y in range(size):
        for x in range(size):
            a, b = pixel(x, y)
            c = clamp(blend(a, b, x & 15) + (y & 7) - 3)
            acc = (acc + c * (x + 1)) & 0xFFFFFFFF
    print("checksum:", acc)


if __name__ == "__main__":
    main()
