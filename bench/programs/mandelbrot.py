"""Mandelbrot set membership on a small grid, rendered as a checksum.

Exercises: float arithmetic in a `while` loop with an early exit,
nested `for` loops, and integer accumulation of iteration counts.
"""


def escape_time(cr, ci, limit):
    zr = zi = 0.0
    n = 0
    while n < limit:
        zr2 = zr * zr
        zi2 = zi * zi
        if zr2 + zi2 > 4.0:
            break
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        n += 1
    return n


def main():
    width, height, limit = 600, 300, 300
    inside = 0
    checksum = 0
    rows = []
    for y in range(height):
        ci = -1.2 + 2.4 * y / height
        row = []
        for x in range(width):
            cr = -2.1 + 3.0 * x / width
            n = escape_time(cr, ci, limit)
            checksum = (checksum * 31 + n) % 1000000007
            if n == limit:
                inside += 1
            row.append("#" if n == limit else ".")
        rows.append("".join(row))
    print("inside=%d checksum=%d" % (inside, checksum))
    print(rows[height // 2][::15])


if __name__ == "__main__":
    main()
