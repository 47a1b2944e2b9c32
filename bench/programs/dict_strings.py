"""Dictionary and string work: tokenising generated text and counting words.

Exercises: string building, split, lower, slicing, dict get/set with
string keys, dict iteration in insertion order, and sorting by key.
"""

SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu"]


def make_text(n_words, seed):
    words = []
    for _ in range(n_words):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        k = 1 + seed % 3
        w = ""
        s = seed >> 8
        for _ in range(k):
            w += SYLLABLES[s % 10]
            s //= 10
        if seed % 7 == 0:
            w = w.capitalize()
        words.append(w)
    return " ".join(words)


def count_words(text):
    counts = {}
    for word in text.split():
        word = word.lower()
        counts[word] = counts.get(word, 0) + 1
    return counts


def bigrams(text):
    pairs = {}
    for i in range(len(text) - 1):
        pair = text[i:i + 2]
        if pair.isalpha():
            pairs[pair] = pairs.get(pair, 0) + 1
    return pairs


def main():
    text = make_text(800000, 7)
    counts = count_words(text)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    print("distinct words:", len(counts))
    print("top:", top)
    pairs = bigrams(text[:3000000])
    print("distinct bigrams:", len(pairs), "most common:",
          max(sorted(pairs), key=lambda p: pairs[p]))


if __name__ == "__main__":
    main()
