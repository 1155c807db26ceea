"""Blind codes (notice 四(一)3): drawn at random from a secure source, stable once given,
the code key the only link to the person."""

import random
import secrets

import pytest
from scipy.stats import kendalltau

from addin.rules.meeting import assign_blind_codes

PREFIXES = {"公路": "GL", "运输": "YS", "交通经济": "JJ"}


def _number(code: str) -> int:
    return int(code.split("-")[1])


@pytest.mark.clause("四(一)3")
def test_codes_once_given_are_kept_and_newcomers_renumber_nobody():
    first = assign_blind_codes([(1, "公路", None, True), (2, "运输", None, True), (3, "公路", None, False),
                                (4, "公路", None, True)], PREFIXES, 3).codes
    assert set(first) == {1, 2, 4}
    assert first[1].startswith("GL-") and first[2].startswith("YS-") and first[4].startswith("GL-")
    assert first[1] != first[4] and all(len(c) == 6 for c in first.values())
    # a newcomer above, the first withdrawn, the third now due: nobody is renumbered
    again = assign_blind_codes([(0, "公路", None, True), (2, "运输", first[2], True), (3, "公路", None, True),
                                (4, "公路", first[4], True)], PREFIXES, 3).codes
    assert again[2] == first[2] and again[4] == first[4]
    assert len({again[0], again[3], again[4]}) == 3            # new codes never reuse a kept one
    # a kept code stays even while its application is not due (withdrawn, then back)
    assert assign_blind_codes([(4, "公路", first[4], False)], PREFIXES, 3).codes == {4: first[4]}


def _taus(batches: int, draws: int, n: int) -> list[float]:
    """Kendall's tau between application order and code order, per draw; each draw codes
    ``n`` applications of one specialty in ``batches`` successive refreshes (as payments
    arrive), so the codes of later batches are drawn among the numbers still free."""
    taus = []
    for _ in range(draws):
        codes: dict[int, str] = {}
        for b in range(batches):
            due = n * (b + 1) // batches
            rows = [(i, "公路", codes.get(i), i < due) for i in range(n)]
            codes = assign_blind_codes(rows, PREFIXES, 3).codes
        assert len(codes) == n
        taus.append(kendalltau(range(n), [_number(codes[i]) for i in range(n)]).statistic)
    return taus


@pytest.mark.parametrize("batches", [1, 4])
def test_code_order_says_nothing_about_application_order(batches):
    """Over many draws the rank correlation between application order and code order is
    near 0 (sequential codes would give exactly 1), for codes given at once or in
    successive refreshes."""
    taus = _taus(batches, draws=300, n=40)
    mean = sum(taus) / len(taus)
    # tau of one draw of 40 has a standard deviation of about 0.11; the mean of 300 about 0.007
    assert abs(mean) < 0.04, mean
    assert max(abs(t) for t in taus) < 0.6
    assert sum(abs(t) > 0.3 for t in taus) < len(taus) * 0.05


@pytest.mark.clause("四(一)3")
def test_codes_are_drawn_from_the_systems_secure_source(monkeypatch):
    calls = []

    class Spy(secrets.SystemRandom):
        def sample(self, population, k, **kw):
            calls.append(k)
            return super().sample(population, k, **kw)

    monkeypatch.setattr(secrets, "SystemRandom", Spy)
    rows = [(i, "公路", None, True) for i in range(30)]
    a = assign_blind_codes(rows, PREFIXES, 3).codes
    assert calls == [30]
    b = assign_blind_codes(rows, PREFIXES, 3).codes
    assert a != b          # not derivable from the register: the same rows draw other codes
    # a seeded generator (the fictitious sample only) reproduces its draw
    assert (assign_blind_codes(rows, PREFIXES, 3, random.Random(7)).codes ==
            assign_blind_codes(rows, PREFIXES, 3, random.Random(7)).codes)


def test_running_out_of_numbers_is_a_finding_not_a_duplicate():
    rows = [(i, "运输", None, True) for i in range(101)]
    draw = assign_blind_codes(rows, PREFIXES, 2)
    assert len(draw.codes) == 99 and len(set(draw.codes.values())) == 99
    assert len(draw.findings) == 2 and "已用完" in draw.findings[0][1].message
