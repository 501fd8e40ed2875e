"""Chinese-aware similarity of task titles and texts.

Three measures, each in [0, 1], all deterministic:

    title-char-bigram   Dice coefficient of the character bigrams of two titles
                        (after NFKC normalisation, punctuation and quotes removed)
    title-jieba         Jaccard index of the jieba words of two titles, without
                        generic verbs (实施, 加强, 推进 …) that every task title starts with
    text-tfidf          cosine of TF-IDF vectors of character bigrams of title + paragraph;
                        only where both tasks have a paragraph (花都 prints titles only)

Character bigrams need no dictionary and suit short Chinese titles; jieba words
catch reordered phrases; the paragraph measure catches tasks retitled across
generations. jieba is imported lazily and runs with its bundled dictionary only.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from functools import cache

METHODS = ("title-char-bigram", "title-jieba", "text-tfidf")

# Words that begin most task titles and say nothing about the subject.
GENERIC = frozenset("""
实施 加强 推进 推动 开展 建立 完善 健全 强化 提升 提高 促进 发挥 深入 不断 大力 积极 广泛 着力 拓展 拓宽
丰富 创新 建设 加快 做好 全面 进一步 工作 作用 行动 工程 计划 机制 体系 水平 能力
""".split())


def normalize(text: str) -> str:
    """NFKC, and only letters and digits (CJK characters are letters)."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if ch.isalnum())


def bigrams(text: str) -> list[str]:
    text = normalize(text)
    if len(text) < 2:
        return [text] if text else []
    return [text[i:i + 2] for i in range(len(text) - 1)]


def dice(a: str, b: str) -> float:
    x, y = Counter(bigrams(a)), Counter(bigrams(b))
    total = sum(x.values()) + sum(y.values())
    return 2 * sum((x & y).values()) / total if total else 0.0


@cache
def words(text: str) -> frozenset[str]:
    import jieba

    jieba.setLogLevel(60)
    return frozenset(w for w in (normalize(t) for t in jieba.lcut(text, HMM=False)) if w and w not in GENERIC)


def jaccard(a: str, b: str) -> float:
    x, y = words(a), words(b)
    return len(x & y) / len(x | y) if (x or y) else 0.0


class TfIdf:
    """TF-IDF over character bigrams, with document frequencies from a fixed corpus."""

    def __init__(self, corpus: list[str]):
        df: Counter = Counter()
        for doc in corpus:
            df.update(set(bigrams(doc)))
        n = len(corpus)
        self.idf = {g: math.log((1 + n) / (1 + f)) + 1 for g, f in df.items()}
        self._cache: dict[str, dict[str, float]] = {}

    def vector(self, doc: str) -> dict[str, float]:
        if doc not in self._cache:
            tf = Counter(bigrams(doc))
            v = {g: c * self.idf.get(g, 1.0) for g, c in tf.items()}
            norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            self._cache[doc] = {g: x / norm for g, x in v.items()}
        return self._cache[doc]

    def cosine(self, a: str, b: str) -> float:
        x, y = self.vector(a), self.vector(b)
        if len(y) < len(x):
            x, y = y, x
        return sum(w * y.get(g, 0.0) for g, w in x.items())


def scores(title_a: str, title_b: str, text_a: str, text_b: str, tfidf: TfIdf) -> dict[str, float]:
    """Every applicable measure, rounded to 3 decimals so files are stable across platforms."""
    out = {
        "title-char-bigram": dice(title_a, title_b),
        "title-jieba": jaccard(title_a, title_b),
    }
    if text_a and text_b:
        out["text-tfidf"] = tfidf.cosine(title_a + text_a, title_b + text_b)
    return {k: round(v, 3) for k, v in out.items()}
