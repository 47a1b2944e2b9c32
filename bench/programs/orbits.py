"""A small gravitational n-body style recurrence on plain float lists.

Exercises: float arithmetic in doubly nested loops, reading and
writing list elements by index, and a square root per pair.
"""

import math


def make_bodies(n):
    xs, ys, vxs, vys, ms = [], [], [], [], []
    for i in range(n):
        angle = 2.0 * math.pi * i / n
        radius = 1.0 + 0.1 * i
        xs.append(radius * math.cos(angle))
        ys.append(radius * math.sin(angle))
        vxs.append(-0.3 * math.sin(angle))
        vys.append(0.3 * math.cos(angle))
        ms.append(1.0 / (1 + i))
    return xs, ys, vxs, vys, ms


def step(xs, ys, vxs, vys, ms, dt):
    n = len(xs)
    for i in range(n):
        for j in range(i + 1, n):
            dx = xs[j] - xs[i]
            dy = ys[j] - ys[i]
            d2 = dx * dx + dy * dy + 0.01
            inv = 1.0 / (d2 * math.sqrt(d2))
            vxs[i] += dx * ms[j] * inv * dt
            vys[i] += dy * ms[j] * inv * dt
            vxs[j] -= dx * ms[i] * inv * dt
            vys[j] -= dy * ms[i] * inv * dt
    for i in range(n):
        xs[i] += vxs[i] * dt
        ys[i] += vys[i] * dt


def energy(xs, ys, vxs, vys, ms):
    e = 0.0
    n = len(xs)
    for i in range(n):
        e += 0.5 * ms[i] * (vxs[i] ** 2 + vys[i] ** 2)
        for j in range(i + 1, n):
            d = math.sqrt((xs[j] - xs[i]) ** 2 + (ys[j] - ys[i]) ** 2 + 0.01)
            e -= ms[i] * ms[j] / d
    return e


def main():
    bodies = make_bodies(8)
    print("energy before %.9f" % energy(*bodies))
    for _ in range(80000):
        step(*bodies, 0.001)
    print("energy after  %.9f" % energy(*bodies))


if __name__ == "__main__":
    main()
