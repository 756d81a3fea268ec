"""A seeded generator's draws for the default model, value for value those of `random.Random(seed)`.

The same Mersenne Twister, seeded the same way (random.Random is a subclass of `_random.Random`,
whose seeding from an int it calls unchanged), and Random's own algorithms on its getrandbits:
choice, randrange and randint are `_randbelow_with_getrandbits` (k bits until a number under n),
sample is Random.sample's. They cost one Python frame a draw where Random's take three, and
`_random.Random(seed)` a fifth less than `random.Random(seed)` (no Python __init__). The
generator is made at the first draw: seeding is most of a short answer's cost, and many answers
(a number, a quote, a tool call) draw nothing.
tests/unit/backends/test_draws.py holds every method to Random's values.
"""

from __future__ import annotations

import _random
import math
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


class Draws:
    __slots__ = ("_bits", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed  # an int: random.Random seeds from other types differently
        self._bits: Callable[[int], int] | None = None

    def bits(self) -> Callable[[int], int]:
        """The generator's getrandbits (made now, at the first draw), for callers that inline below()."""
        if self._bits is None:
            self._bits = _random.Random(self.seed).getrandbits
        return self._bits

    def below(self, n: int) -> int:
        """A number in [0, n), n > 0: Random._randbelow."""
        bits = self._bits or self.bits()
        k = n.bit_length()
        r = bits(k)
        while r >= n:
            r = bits(k)
        return r

    def choice(self, seq: Sequence[T]) -> T:
        if not seq:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self.below(len(seq))]

    def randrange(self, stop: int) -> int:
        if stop <= 0:
            raise ValueError("empty range for randrange()")
        return self.below(stop)

    def randint(self, a: int, b: int) -> int:
        width = b + 1 - a
        if width <= 0:
            raise ValueError(f"empty range for randrange() ({a}, {b + 1}, {width})")
        return a + self.below(width)

    def sample(self, population: Sequence[T], k: int) -> list[T]:
        """Random.sample (of a sequence; no counts): from a shrinking pool when the population is
        no bigger than a k-set would be, else by drawing again what was drawn already."""
        n = len(population)
        if not 0 <= k <= n:
            raise ValueError("Sample larger than population or is negative")
        if not k:
            return []
        result: list = [None] * k
        setsize = 21
        if k > 5:
            setsize += 4 ** math.ceil(math.log(k * 3, 4))
        if n <= setsize:
            bits = self._bits or self.bits()
            pool = list(population)
            for i in range(k):
                left = n - i
                width = left.bit_length()
                j = bits(width)  # below(left), inlined
                while j >= left:
                    j = bits(width)
                result[i] = pool[j]
                pool[j] = pool[left - 1]  # the item not drawn takes the drawn one's place
        else:
            below = self.below
            selected: set[int] = set()
            for i in range(k):
                j = below(n)
                while j in selected:
                    j = below(n)
                selected.add(j)
                result[i] = population[j]
        return result
