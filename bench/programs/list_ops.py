"""List indexing and mutation: insertion sort, reversal and a 1-D automaton.

Exercises: list reads and writes by index, element shifting, append and
pop, slicing, and a pseudo-random generator built from integer ops.
"""


def lcg(seed):
    return (seed * 1103515245 + 12345) & 0x7FFFFFFF


def insertion_sort(items):
    for i in range(1, len(items)):
        key = items[i]
        j = i - 1
        while j >= 0 and items[j] > key:
            items[j + 1] = items[j]
            j -= 1
        items[j + 1] = key


def automaton(cells, rule, steps):
    n = len(cells)
    for _ in range(steps):
        new = [0] * n
        for i in range(n):
            pattern = (cells[i - 1] << 2) | (cells[i] << 1) | cells[(i + 1) % n]
            new[i] = (rule >> pattern) & 1
        cells = new
    return cells


def main():
    seed = 42
    data = []
    for _ in range(5000):
        seed = lcg(seed)
        data.append(seed % 100000)
    insertion_sort(data)
    print("sorted ok:", all(data[i] <= data[i + 1] for i in range(len(data) - 1)),
          "median:", data[len(data) // 2])

    stack = []
    for i in range(3000000):
        stack.append(i * 3 % 1001)
        if len(stack) > 50:
            stack.pop(0)
    print("stack tail:", stack[-5:], "sum:", sum(stack))

    cells = [0] * 300
    cells[150] = 1
    cells = automaton(cells, 110, 4000)
    print("rule 110 live cells:", sum(cells))


if __name__ == "__main__":
    main()
