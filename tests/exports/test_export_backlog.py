"""Carrying threats from one session to the next: statuses, keys, and the game that starts from a previous export."""

from __future__ import annotations

import dataclasses

import pytest
from exportkit import bot_result, bot_result_on, deck, example, hand_result, nine

from game.architecture import Architecture, Component, ComponentType
from game.backlog import REMOVED, Backlog, CarryStatus, carry_over, earlier_threats, threat_key
from game.deck import Deck
from game.engine import new_game
from game.exports.result import result_from_dict, result_to_dict
from game.priority import FinalThreat
from game.serialize import state_from_dict, state_to_dict
from game.state import SeatSpec, Settings


@pytest.mark.parametrize("suffix", ["yaml", "sam.yaml"])
def test_the_nine_threats_of_the_article_are_mitigated_after(suffix: str) -> None:
    before, after = example(f"before.{suffix}"), example(f"after.{suffix}")
    first = hand_result(before, nine())
    backlog = carry_over(first, after, deck())
    assert len(backlog.threats) == 9
    by_pair = {(t.card, t.component): t for t in backlog.threats}
    for card, component in nine():
        carried = by_pair[(card, component)]
        assert carried.status is CarryStatus.MITIGATED, (card, component, carried.reason)
        assert carried.mitigated_by == (REMOVED if not after.has_component(component) else "fixed")
        assert carried.previous_status == "open"
    # The components the team replaced are gone; the ones it fixed are still there, with the rule no longer holding.
    assert {t.component for t in backlog.threats if t.mitigated_by == REMOVED} == {"AuthFunction", "HrApi", "SharedFunctionRole"}


def test_still_open_unknown_and_open() -> None:
    before = example("before.yaml")
    first = hand_result(before, [("T7", "PayslipsFunction"), ("SX", "PayslipsFunction"), ("T1", "PayslipsFunction")])
    # A sticky note, too.
    note = dataclasses.replace(first.threats[0], rank=4, threat_id="T9", card=None, card_title=None,
                               text="Admins share one password", mitigation="")
    first = dataclasses.replace(first, threats=first.threats + (note,))
    backlog = carry_over(first, example("after.yaml"), deck())
    statuses = [t.status for t in backlog.threats]
    assert statuses == [CarryStatus.STILL_OPEN, CarryStatus.OPEN, CarryStatus.UNKNOWN, CarryStatus.OPEN]
    assert all(t.mitigated_by is None for t in backlog.threats)
    assert "is not known" in backlog.threats[2].reason


def test_a_card_missing_from_the_deck_is_unknown() -> None:
    first = hand_result(example("before.yaml"), [("S1", "AuthFunction")])
    small = Deck("tiny", "Tiny", tuple(c for c in deck().cards if c.id != "S1"))
    (carried,) = carry_over(first, example("before.yaml"), small).threats
    assert carried.status is CarryStatus.UNKNOWN and "not in the deck" in carried.reason


def test_keys_are_stable_across_sessions() -> None:
    first = hand_result(example("before.yaml"), [("D7", "PayslipsTable"), ("T7", "PayslipsFunction")])
    backlog = carry_over(first, example("after.yaml"), deck())
    assert backlog.scope == first.scope
    assert [t.key for t in backlog.threats] == [first.key_of(t) for t in first.threats]
    # Found again in the second session: same key, and the result links it to the earlier threat.
    second = dataclasses.replace(hand_result(example("after.yaml"), [("T7", "PayslipsFunction")], scope=first.scope),
                                 carried=backlog.threats)
    (again,) = second.threats
    assert second.key_of(again) == backlog.threats[1].key
    assert second.earlier(again) == backlog.threats[1]
    assert [c.card for c in second.carried_only()] == ["D7"]
    # The third session carries both, each once, the re-found one from the second session's list.
    third = earlier_threats(second)
    assert [t.key for t in third] == [backlog.threats[1].key, backlog.threats[0].key]
    assert third[1].status is CarryStatus.MITIGATED


def test_threat_key_shapes() -> None:
    assert threat_key("s", "S1", "S", "Fn", "component", "x") == "s:S1:Fn"
    assert threat_key("s", "T9", "T", "a->b", "flow", "x") == "s:T9:flow:a->b"
    one = threat_key("s", None, "T", "Fn", "component", "Admins  share ONE password")
    assert one == threat_key("s", None, "T", "Fn", "component", "admins share one password")
    assert one != threat_key("s", None, "I", "Fn", "component", "admins share one password")


def test_a_game_started_from_a_previous_export_keeps_the_earlier_threats() -> None:
    first = bot_result("before.yaml")
    # As the CLI does: read the export back, carry it over, start a delta game with the backlog in its settings.
    previous = result_from_dict(result_to_dict(first))
    backlog = carry_over(previous, example("after.yaml"), deck())
    second = bot_result_on(example("after.yaml"), seed=5, baseline=previous.architecture, backlog=backlog)
    assert second.scope == first.scope
    assert second.carried == backlog.threats
    assert second.settings.delta and second.settings.cards_in_play < len(deck())
    assert second.baseline == first.architecture.name
    # and it survives its own export
    assert result_from_dict(result_to_dict(second)) == second


def test_the_backlog_lives_in_the_settings_and_the_snapshot() -> None:
    backlog = carry_over(hand_result(example("before.yaml"), nine()), example("after.yaml"), deck())
    settings = Settings(seats=(SeatSpec("Kim"), SeatSpec("Doug", bot=True)), backlog=backlog)
    state = new_game(settings, example("after.yaml"), deck(), 1)
    again = state_from_dict(state_to_dict(state))
    assert again.settings.backlog == backlog
    assert isinstance(again.settings.backlog, Backlog)
    assert again.settings.backlog.count(CarryStatus.MITIGATED) == 9


def test_a_removed_flow_is_mitigated_by_removal() -> None:
    arch = example("before.yaml")
    flow = arch.flows[0]
    first = hand_result(arch, [])
    t = FinalThreat(rank=1, threat_id="T1", category="Tampering", suit="T", component=flow.id, target_kind="flow",
                    card="T9", card_title="x", text="x", reason="x", mitigation="m", found_by="Kim", judged_by="rule",
                    votes=(), likelihood=None, impact=None, risk=None, agreement=0)
    first = dataclasses.replace(first, threats=(t,))
    smaller = Architecture("m", tuple(c for c in arch.components), (), arch.boundaries)
    (carried,) = carry_over(first, smaller, deck()).threats
    assert carried.status is CarryStatus.MITIGATED and carried.mitigated_by == REMOVED
    assert carried.reason.startswith("flow ")
    assert carried.key.endswith(f":T9:flow:{flow.id}")


def test_component_type_change_counts_as_fixed() -> None:
    arch = Architecture("m", (Component("Fn", ComponentType.LAMBDA, "Fn", {"implements_auth": True}),))
    first = hand_result(arch, [("S1", "Fn")])
    changed = Architecture("m", (Component("Fn", ComponentType.COGNITO, "Fn", {"kind": "cognito"}),))
    (carried,) = carry_over(first, changed, deck()).threats
    assert carried.status is CarryStatus.MITIGATED and carried.mitigated_by == "fixed"
