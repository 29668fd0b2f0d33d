"""Dot voting, tallies, champions and voter codes: checked against hand-computed results."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from synth.decisions.voter_codes import ALPHABET
from synth.decisions.voting import (
    Ballot,
    BallotRules,
    Throttle,
    TooManyAttempts,
    Volunteer,
    VoteStatus,
    ballot_link,
    build_rosters,
    code_key,
    default_rules,
    format_code,
    hash_code,
    new_code,
    new_codes,
    normalise_code,
    qr_svg,
    tally,
    validate_ballot,
    verify_code,
)
from synth.errors import BallotError, InputError

PRIORITIES = {"a": "Hiring pipeline", "b": "Childcare", "c": "Housing", "d": "Broadband"}
ROLES = {"v1": "business", "v2": "business", "v3": "business", "v4": "business",
         "p1": "public", "p2": "public", "f1": "facilitator"}
# Hand tally, business leaders only: a=5 (v1 v2 v3), b=4 (v1 v2 v4), c=4 (v1 v3 v4), d=1 (v3).
# Public partners (p1, p2, and the facilitator f1): a=2 (f1), c=2 (p1), d=4 (p1 p2).
BALLOTS = [
    Ballot("v1", {"a": 2, "b": 1, "c": 1}, importance={"a": 5}),
    Ballot("v2", {"a": 2, "b": 2}, importance={"a": 4, "b": 2}),
    Ballot("v3", {"a": 1, "c": 2, "d": 1}, feasibility={"a": 3}),
    Ballot("v4", {"b": 1, "c": 1, "gone": 2}),  # "gone" was discarded after the vote opened
    Ballot("p1", {"c": 2, "d": 2}, importance={"a": 1}),
    Ballot("p2", {"d": 2, "a": 0}),
    Ballot("f1", {"a": 2}),
]


def rules(**kw) -> BallotRules:
    return BallotRules(**({"dots_per_voter": 4, "max_per_priority": 2} | kw))


# -- rules and ballots ------------------------------------------------------------------------


@pytest.mark.parametrize("n, dots", [(0, 3), (3, 3), (9, 3), (11, 4), (12, 4), (14, 5),
                                     (30, 10)])
def test_default_rules_give_a_third_as_many_dots_at_least_three(n, dots):
    r = default_rules(n)
    assert (r.dots_per_voter, r.max_per_priority) == (dots, 2)
    assert r.anonymous and r.public_partners == "separate"


@pytest.mark.parametrize("kw", [{"dots_per_voter": 0}, {"max_per_priority": 0},
                                {"public_partners": "everyone"}])
def test_impossible_rules_are_refused(kw):
    with pytest.raises(BallotError):
        rules(**kw)


def test_a_valid_ballot_passes_even_with_dots_left_over():
    validate_ballot(Ballot("v1", {"a": 2, "b": 1}), rules(), PRIORITIES)
    validate_ballot(Ballot("v1", {}), rules(), PRIORITIES)
    scored = rules(ask_importance_feasibility=True)
    validate_ballot(Ballot("v1", {"a": 2}, {"a": 1, "b": 5}, {"a": 3}), scored, PRIORITIES)


@pytest.mark.parametrize("ballot, message", [
    (Ballot("v", {"a": 2, "b": 2, "c": 1}), "5 dots spent: each voter has 4"),
    (Ballot("v", {"a": 3}), "at most 2 may go on one priority"),
    (Ballot("v", {"a": -1}), "cannot be negative"),
    (Ballot("v", {"a": 1.5}), "whole number"),
    (Ballot("v", {"a": True}), "whole number"),
    (Ballot("v", {"zzz": 1}), "'zzz' is unknown or no longer on the ballot"),
    (Ballot("v", {"discarded": 1}), "'discarded' is unknown or no longer on the ballot"),
])
def test_each_broken_rule_is_named(ballot, message):
    with pytest.raises(BallotError, match=message) as exc:
        validate_ballot(ballot, rules(), PRIORITIES)
    assert isinstance(exc.value, InputError)


@pytest.mark.parametrize("scores, message", [
    ({"a": 0}, "importance of 'a' must be a whole number from 1 to 5, not 0"),
    ({"a": 6}, "from 1 to 5, not 6"),
    ({"a": 2.5}, "from 1 to 5, not 2.5"),
    ({"zzz": 3}, "importance for priority 'zzz'"),
])
def test_scores_must_be_1_to_5_on_open_priorities(scores, message):
    scored = rules(ask_importance_feasibility=True)
    with pytest.raises(BallotError, match=message):
        validate_ballot(Ballot("v", {"a": 1}, importance=scores), scored, PRIORITIES)
    with pytest.raises(BallotError, match="feasibility"):
        validate_ballot(Ballot("v", {"a": 1}, feasibility={"a": 9}), scored, PRIORITIES)


def test_scores_are_refused_when_the_vote_does_not_ask_for_them():
    with pytest.raises(BallotError, match="does not ask for importance"):
        validate_ballot(Ballot("v", {"a": 1}, importance={"a": 3}), rules(), PRIORITIES)


def test_all_problems_are_reported_at_once():
    with pytest.raises(BallotError) as exc:
        validate_ballot(Ballot("v", {"a": 3, "zzz": -1}), rules(), PRIORITIES)
    assert "at most 2" in str(exc.value) and "zzz" in str(exc.value)
    assert "negative" in str(exc.value)


@pytest.mark.parametrize("status, message", [(VoteStatus.CLOSED, "voting is closed"),
                                             ("draft", "has not opened yet"),
                                             ("paused", "not a vote status")])
def test_a_vote_that_is_not_open_refuses_ballots(status, message):
    with pytest.raises(BallotError, match=message):
        validate_ballot(Ballot("v", {"a": 1}), rules(), PRIORITIES, status=status)


# -- tally ------------------------------------------------------------------------------------


def test_tally_ranks_business_dots_with_ties_and_public_partners_apart():
    rows = tally(BALLOTS, PRIORITIES, ROLES, rules(ask_importance_feasibility=True))
    got = [(r.priority_id, r.rank, r.tied, r.dots, r.voters, r.public_dots, r.public_voters)
           for r in rows]
    assert got == [("a", 1, False, 5, 3, 2, 1),
                   ("b", 2, True, 4, 3, 0, 0),
                   ("c", 2, True, 4, 3, 2, 1),
                   ("d", 4, False, 1, 1, 4, 2)]
    a = rows[0]
    assert (a.label, a.importance_mean, a.feasibility_mean) == ("Hiring pipeline", 4.5, 3.0)
    assert rows[1].importance_mean == 2.0 and rows[1].feasibility_mean is None
    assert all(r.by_voter == () for r in rows)  # anonymous: totals only


def test_public_partners_can_be_excluded_or_included():
    excluded = tally(BALLOTS, PRIORITIES, ROLES, rules(public_partners="exclude"))
    assert [(r.priority_id, r.rank, r.dots) for r in excluded] == [
        ("a", 1, 5), ("b", 2, 4), ("c", 2, 4), ("d", 4, 1)]
    assert all(r.public_dots is None and r.public_voters is None for r in excluded)
    # Everyone together: a=7, c=6, d=5, b=4.
    included = tally(BALLOTS, PRIORITIES, ROLES, rules(public_partners="include"))
    assert [(r.priority_id, r.rank, r.dots, r.voters, r.tied) for r in included] == [
        ("a", 1, 7, 4, False), ("c", 2, 6, 4, False), ("d", 3, 5, 3, False),
        ("b", 4, 4, 3, False)]


def test_an_open_vote_shows_who_spent_which_dots():
    rows = tally(BALLOTS, PRIORITIES, ROLES, rules(anonymous=False))
    assert rows[0].by_voter == (("f1", 2), ("v1", 2), ("v2", 2), ("v3", 1))


def test_a_voter_missing_from_the_roster_counts_as_a_public_partner():
    rows = tally([Ballot("stranger", {"b": 2})], PRIORITIES, {}, rules())
    b = next(r for r in rows if r.priority_id == "b")
    assert (b.dots, b.public_dots, b.public_voters) == (0, 2, 1)
    assert [r.rank for r in rows] == [1, 1, 1, 1] and all(r.tied for r in rows)


def test_two_ballots_from_one_voter_are_an_error():
    with pytest.raises(BallotError, match="more than one ballot"):
        tally([Ballot("v1", {"a": 1}), Ballot("v1", {"b": 1})], PRIORITIES, ROLES, rules())


# -- champions --------------------------------------------------------------------------------


def test_rosters_keep_sign_up_order_and_promote_a_member_who_offers_to_lead():
    people = {"Ann": "business", "Bo": "business", "Cy": "public"}
    rosters = build_rosters([
        Volunteer("Bo", "a", "member"), Volunteer("Cy", "a"), Volunteer("Ann", "a", "champion"),
        Volunteer("Bo", "a", "champion"), Volunteer("Ann", "a", "member"),
        Volunteer("Cy", "b", "member"),
    ], list(PRIORITIES), people)
    assert list(rosters) == ["a", "b", "c", "d"]
    assert (rosters["a"].champions, rosters["a"].members) == (("Ann", "Bo"), ("Cy",))
    assert rosters["b"].needs_champion and rosters["b"].members == ("Cy",)
    assert not rosters["a"].needs_champion


def test_champions_are_business_leaders_on_known_priorities():
    with pytest.raises(BallotError, match="champions are business leaders"):
        build_rosters([Volunteer("Cy", "a", "champion")], ["a"], {"Cy": "public"})
    with pytest.raises(BallotError, match="unknown"):
        build_rosters([Volunteer("Ann", "zzz")], ["a"])
    with pytest.raises(BallotError, match="task-team role"):
        build_rosters([Volunteer("Ann", "a", "boss")], ["a"])  # type: ignore[arg-type]


# -- voter codes ------------------------------------------------------------------------------


def test_codes_use_an_unambiguous_alphabet_and_do_not_repeat():
    codes = [new_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 12 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("0O1IL").intersection("".join(codes)) and len(ALPHABET) == 31
    assert len(new_code(8)) == 8
    with pytest.raises(InputError):
        new_code(7)
    batch = new_codes(300)
    assert len({code_key(c) for c in batch}) == 300


def test_codes_are_entered_in_any_case_with_spaces_or_dashes():
    assert normalise_code(" abcd-efgh jkmn\n") == "ABCDEFGHJKMN"
    assert format_code("abcdefghjkmn") == "ABCD-EFGH-JKMN"
    assert code_key("abcd-efgh-jkmn") == "ABCD"


def test_hashes_verify_the_right_code_only():
    code = new_code()
    stored = hash_code(code)
    assert stored.startswith("scrypt$n=16384,r=8,p=1$") and code not in stored
    assert verify_code(code, stored)
    assert verify_code(format_code(code).lower(), stored)
    wrong = ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]
    assert not verify_code(code[:-1] + wrong, stored)
    assert hash_code(code) != stored  # a fresh salt every time


@pytest.mark.parametrize("stored", ["", "nonsense", "md5$n=1$AA==$AA==",
                                    "scrypt$n=16384,r=8$AA==$AA==", "scrypt$n=x$AA==$AA==",
                                    "scrypt$n=16384,r=8,p=1$AA==$AA==",
                                    "scrypt$n=16384,r=8,p=1$AA==$not base64!"])
def test_a_malformed_stored_hash_never_matches(stored):
    assert not verify_code("ABCDEFGHJKMN", stored)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_doubles_the_wait_after_free_tries_up_to_a_cap():
    clock = Clock()
    t = Throttle(base=1, factor=2, cap=8, free=2, clock=clock)
    delays = [t.failed("10.0.0.1") for _ in range(7)]
    assert delays == [0, 0, 1, 2, 4, 8, 8]
    with pytest.raises(TooManyAttempts, match="wait 8 seconds") as exc:
        t.check("10.0.0.1")
    assert exc.value.retry_after == 8 and isinstance(exc.value, BallotError)
    t.check("10.0.0.2")  # other sources are not slowed down
    clock.now += 8
    t.check("10.0.0.1")
    assert t.failed("10.0.0.1") == 8  # still counting
    t.succeeded("10.0.0.1")
    assert t.retry_after("10.0.0.1") == 0 and t.failed("10.0.0.1") == 0


def test_throttle_forgets_old_failures_and_stays_bounded():
    clock = Clock()
    t = Throttle(free=0, forget_after=60, max_sources=3, clock=clock)
    assert t.failed("x") == 1 and t.failed("x") == 2
    clock.now += 61
    assert t.failed("x") == 1
    for source in "abcd":
        clock.now += 1
        t.failed(source)
    assert len(t._failures) == 3 and "x" not in t._failures


# -- links and QR codes -----------------------------------------------------------------------


def test_ballot_link_carries_the_canonical_code():
    link = ballot_link("https://vote.example.org/ballot?convening=7&code=old", "abcd-efgh-jkmn")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "vote.example.org", "/ballot")
    assert parse_qs(parts.query) == {"convening": ["7"], "code": ["ABCDEFGHJKMN"]}
    with pytest.raises(InputError, match="http"):
        ballot_link("vote.example.org", "ABCD")
    with pytest.raises(InputError):
        ballot_link("javascript:alert(1)", "ABCD")


def test_qr_code_is_deterministic_svg():
    link = ballot_link("https://vote.example.org/b", "ABCDEFGHJKMN")
    svg = qr_svg(link)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and int(root.get("width")) > 100
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Your personal ballot"
    assert qr_svg(link) == svg and qr_svg(link + "X") != svg
