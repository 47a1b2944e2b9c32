"""Recursion: naive Fibonacci plus Ackermann-style and tree recursion.

Exercises: deep and frequent recursive calls, argument passing,
small-int arithmetic on return values, and tuple-based trees.
"""


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def build(depth):
    if depth == 0:
        return None
    return (build(depth - 1), depth, build(depth - 1))


def tree_sum(node):
    if node is None:
        return 0
    left, value, right = node
    return tree_sum(left) + value + tree_sum(right)


def main():
    print("fib(32) =", fib(32))
    tree = build(20)
    print("tree sum =", tree_sum(tree))


if __name__ == "__main__":
    main()
