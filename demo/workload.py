"""The demo's program: a few hot numeric loops."""


def int_loop(n):
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def float_loop(n):
    x, i = 0.0, 0
    while i < n:
        x = x * 0.999 + 1.0
        i += 1
    return x


def mixed(n):
    hits = 0
    for i in range(n):
        if i % 3 == 0:
            hits += 1
        elif i % 5 == 0:
            hits += 2
    return hits


if __name__ == "__main__":
    print("int_loop   ", int_loop(2_000_000))
    print("float_loop ", round(float_loop(2_000_000), 6))
    print("mixed      ", mixed(2_000_000))
