"""The brand's settings — the grading model and the risk rules' thresholds — are read
through selectors that take the user and ask ``restrict``: partner users and users with no
role get nothing, even when no setting is stored yet (the rules' defaults are settings too)."""

from __future__ import annotations

import pytest

from qudao.analytics.selectors import grading_model_active
from qudao.governance.rules import RULES
from qudao.governance.selectors import rule_states
from tests.conftest import World

pytestmark = pytest.mark.django_db

READERS = ("director", "manager", "finance", "sales")
NOT_READERS = ("partner_admin", "partner_user", "no_role")


@pytest.mark.parametrize("role", READERS + NOT_READERS)
def test_settings_reach_the_brands_staff_only(world: World, role: str) -> None:
    user = world.users[role]
    seeded = grading_model_active(user=None)  # the migration seeds one
    assert seeded is not None
    assert grading_model_active(user=user) == (seeded if role in READERS else None)
    states = rule_states(user=user)
    assert [rule.id for rule, _params, _on in states] == (
        [rule.id for rule in RULES] if role in READERS else []
    )


def test_the_review_itself_reads_the_settings(world: World) -> None:
    assert len(rule_states(user=None)) == len(RULES)
