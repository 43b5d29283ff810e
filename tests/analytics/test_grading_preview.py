"""The grading model's preview: how a change would grade the latest reviewed period."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from qudao.analytics.models import GradingModel, Scorecard
from qudao.analytics.selectors import grading_model_active, grading_preview, reviewed_periods
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World
from tests.governance.test_risk import reviewed  # noqa: F401 - the fixture


def _model() -> GradingModel:
    model = grading_model_active(user=None)
    assert model is not None
    return model


def test_the_same_model_moves_nobody_and_counts_the_review_grades(reviewed: World) -> None:  # noqa: F811
    model = _model()
    same = {"weights": model.weights, "thresholds": model.thresholds}
    preview = grading_preview(model=model, proposed=same, user=reviewed.users["director"])
    assert preview is not None and preview["moved"] == 0
    period = reviewed_periods()[0]
    cards = Scorecard.objects.filter(is_current=True, period=period)
    for row in preview["counts"]:
        graded = cards.filter(computed_grade__code=row["grade"]).count()
        assert row["now"] == row["then"] == graded, row


def test_a_lower_bar_for_the_best_grade_moves_everyone_scored_below_it(
    reviewed: World,  # noqa: F811
) -> None:
    model = _model()
    best = model.thresholds[0][0]
    lowered = [[code, 0.0 if code == best else lowest] for code, lowest in model.thresholds]
    proposed = {"weights": model.weights, "thresholds": lowered}
    preview = grading_preview(model=model, proposed=proposed, user=reviewed.users["director"])
    assert preview is not None
    cards = Scorecard.objects.filter(is_current=True, period=preview["period"], score__isnull=False)
    expected = cards.exclude(computed_grade__code=best).count()
    assert expected > 0  # the data must tell the formula apart
    assert preview["moved"] == expected
    top = next(row for row in preview["counts"] if row["grade"] == best)
    assert top["then"] == cards.count()


def test_the_grading_preview_in_the_browser(reviewed: World) -> None:  # noqa: F811
    model = _model()
    director = Client()
    director.force_login(reviewed.users["director"])
    data = {f"weight__{kpi}": str(weight) for kpi, weight in model.weights.items()}
    data |= {f"lowest__{code}": str(lowest) for code, lowest in model.thresholds}
    data["hysteresis_periods"] = "2"
    page = director.post(reverse("analytics:grading_preview"), data).content.decode()
    assert 'data-moved="0"' in page
    before = (model.weights, model.thresholds)
    model.refresh_from_db()
    assert (model.weights, model.thresholds) == before
    finance = Client()
    finance.force_login(reviewed.users["finance"])
    assert finance.post(reverse("analytics:grading_preview"), data).status_code == 403
