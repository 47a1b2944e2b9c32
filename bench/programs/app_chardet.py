"""Application: chardet (Debian python3-chardet) guessing text encodings.

Builds texts in several languages and scripts, encodes each in one or
more legacy and Unicode encodings, and asks chardet.detect for the
encoding of every byte string (plus UniversalDetector fed in chunks).
Exercises real pure-Python byte crunching: per-byte loops in the coding
state machines and single-byte/multi-byte charset probers, dict and
list lookups in the language models, many small method calls on prober
objects, and float confidence arithmetic.

Prints the guess and confidence for each sample and a crc32 over them.
"""

import sys
import zlib

if sys.implementation.name == "pypy":  # Debian's python3-* are CPython-only
    sys.path.append("/usr/lib/python3/dist-packages")

import chardet
from chardet.universaldetector import UniversalDetector

REPEAT = 6        # sentences per sample (sample length)
ROUNDS = 14       # passes over all samples

TEXTS = {
    "english": "The quick brown fox jumps over the lazy dog, while the committee "
               "discusses the budget for next year's conference in detail. ",
    "french": "Le cœur déçu mais l'âme plutôt naïve, Louÿs rêva de crapaüter en "
              "canoë au delà des îles, près du mälströn où brûlent les novæ. ",
    "german": "Falsches Üben von Xylophonmusik quält jeden größeren Zwerg, "
              "während die Bürger über Straßen und Brücken gehen. ",
    "russian": "Съешь же ещё этих мягких французских булок да выпей чаю. "
               "В чащах юга жил бы цитрус? Да, но фальшивый экземпляр! ",
    "greek": "Τάχιστη αλώπηξ βαφής ψημένη γη, δρασκελίζει υπέρ νωθρού κυνός. "
             "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. ",
    "hebrew": "דג סקרן שט בים מאוכזב ולפתע מצא לו חברה איך הקליטה. "
              "עטלף אבק נס דרך מזגן שהתפוצץ כי חם. ",
    "japanese": "いろはにほへと ちりぬるを わかよたれそ つねならむ うゐのおくやま "
                "けふこえて あさきゆめみし ゑひもせす。日本語の文章を書きます。",
    "chinese": "我能吞下玻璃而不伤身体。天地玄黄，宇宙洪荒。日月盈昃，辰宿列张。",
    "chinese-tw": "我能吞下玻璃而不傷身體。天地玄黃，宇宙洪荒。日月盈昃，辰宿列張。",
    "korean": "다람쥐 헌 쳇바퀴에 타고파. 키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다. ",
}

ENCODINGS = {
    "english": ["ascii", "utf-8", "utf-16"],
    "french": ["utf-8", "windows-1252", "iso-8859-1"],
    "german": ["utf-8", "windows-1252"],
    "russian": ["utf-8", "windows-1251", "koi8-r", "ibm866", "iso-8859-5", "maccyrillic"],
    "greek": ["utf-8", "windows-1253", "iso-8859-7"],
    "hebrew": ["utf-8", "windows-1255"],
    "japanese": ["utf-8", "shift_jis", "euc-jp", "iso-2022-jp"],
    "chinese": ["utf-8", "gb2312", "gb18030"],
    "chinese-tw": ["utf-8", "big5"],
    "korean": ["utf-8", "euc-kr"],
}


def main():
    samples = []
    for lang in TEXTS:
        text = TEXTS[lang] * REPEAT
        for enc in ENCODINGS[lang]:
            try:
                data = text.encode(enc)
            except UnicodeEncodeError:
                data = text.encode(enc, errors="replace")
            samples.append((lang, enc, data))
    crc = 0
    right = 0
    lines = []
    for _ in range(ROUNDS):
        lines = []
        for lang, enc, data in samples:
            guess = chardet.detect(data)
            detector = UniversalDetector()
            for i in range(0, len(data), 97):
                detector.feed(data[i:i + 97])
                if detector.done:
                    break
            detector.close()
            chunked = detector.result
            line = "%-10s %-12s -> %-14s %.4f  chunked %-14s %.4f" % (
                lang, enc, guess["encoding"], guess["confidence"],
                chunked["encoding"], chunked["confidence"])
            lines.append(line)
            crc = zlib.crc32(line.encode(), crc)
            if guess["encoding"] and guess["encoding"].lower().replace("_", "-") == enc:
                right += 1
    for line in lines:
        print(line)
    print("samples=%d rounds=%d exact guesses=%d" % (len(samples), ROUNDS, right))
    print("crc32=%08x" % crc)


if __name__ == "__main__":
    main()
