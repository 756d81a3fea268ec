"""backends/draws.py: every draw value for value what random.Random(seed) gives, in any mix."""

from __future__ import annotations

import random

import pytest

from responses_mock.backends.draws import Draws


@pytest.mark.parametrize("seed", [0, 1, 7, 2**31 - 1, 2**64 + 12345, 98765432123456789])
def test_draws_are_randoms(seed):
    ours, theirs = Draws(seed), random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]
    for i in range(300):
        step = i % 5
        if step == 0:
            assert ours.choice(words) == theirs.choice(words)
        elif step == 1:
            assert ours.randrange(1 + i) == theirs.randrange(1 + i)
        elif step == 2:
            assert ours.randint(3, 3 + i) == theirs.randint(3, 3 + i)
        elif step == 3:
            k = i % len(words)
            assert ours.sample(words, k) == theirs.sample(words, k)
        else:
            assert ours.below(1 + i * 7) == theirs.randrange(1 + i * 7)


def test_a_large_population_samples_as_random_does():
    population = list(range(500))
    for seed in range(20):
        assert Draws(seed).sample(population, 30) == random.Random(seed).sample(population, 30)


def test_empty_choices_fail_as_randoms_do():
    with pytest.raises(IndexError):
        Draws(1).choice([])
    with pytest.raises(ValueError):
        Draws(1).randrange(0)


def test_the_generator_is_made_at_the_first_draw():
    draws = Draws(42)
    assert draws._bits is None  # nothing drawn, nothing seeded
    bits = draws.bits()
    assert draws.bits() is bits
    theirs = random.Random(42)
    assert [bits(5) for _ in range(10)] == [theirs.getrandbits(5) for _ in range(10)]
    assert draws.choice("abcdefg") == theirs.choice("abcdefg")  # bits() and the methods draw in step


@pytest.mark.parametrize("k", [0, 1, 5, 6, 9, 10])
def test_samples_of_every_size_are_randoms(k):
    body = list(range(10))
    for seed in range(50):
        ours, theirs = Draws(seed), random.Random(seed)
        assert ours.sample(body, k) == theirs.sample(body, k) and ours.below(1000) == theirs.randrange(1000)
    with pytest.raises(ValueError):
        Draws(1).sample(body, 11)
