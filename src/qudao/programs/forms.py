"""Forms of the rebate pages. The program form builds the same table a TOML file holds and
hands it to the same parser, so the web and ``qudao programs load`` accept exactly the same
programs and refuse them with the same messages."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import FilesField, ScopedModelForm
from qudao.core.periods import Period
from qudao.governance.models import ViolationType
from qudao.partners.models import ChannelModel, Grade
from qudao.programs.models import ExpenseClaim, Fund, MdfRequest, ProgramKind
from qudao.programs.rules import (
    BASES,
    MEASURES,
    SETTLEMENTS,
    Definition,
    DefinitionError,
    parse_definition,
    parse_toml,
)

_SPLIT = re.compile(r"[\s,，;；]+")
NUMBER_KEYS = (
    "rate",
    "amount",
    "threshold",
    "lifted_rate",
    "share_min",
    "focus_rate",
    "min_base",
    "cap_base",
    "cap_amount",
)


def _codes(text: str) -> list[str]:
    return [c for c in _SPLIT.split(text or "") if c]


def _decimal_or_text(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def _pairs(text: str, first: str, second: str) -> list[dict[str, Any]]:
    """ "100000 0.03" per line → [{first: 100000, second: 0.03}] (the parser judges the values)."""
    rows = []
    for line in (text or "").splitlines():
        parts = _codes(line)
        if not parts:
            continue
        row: dict[str, Any] = {first: _decimal_or_text(parts[0])}
        if first == "days_max" and re.fullmatch(r"-?\d+", parts[0]):
            row[first] = int(parts[0])
        if len(parts) > 1:
            row[second] = _decimal_or_text(parts[1])
        rows.append(row)
    return rows


# A rate-table line starts with product or category, in either language.
RATE_KEYWORDS = {"产品": "product", "品类": "category"}

# The TOML values of a program's base, measure and settlement period, for people.
WORDS: dict[str, Any] = {
    "sell_in": _("sell-in"),
    "sell_through": _("sell-through"),
    "amount": _("amount"),
    "quantity": _("quantity"),
    "month": _("month"),
    "quarter": _("quarter"),
    "year": _("year"),
    "debit": _("a debit to the partner"),
    "offset": _("offset against the next payout"),
}


class ProgramForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ProgramKind.choices)
    base = forms.ChoiceField(
        label=_("Base"),
        choices=[(b, WORDS[b]) for b in BASES],
        help_text=_("Not used by payment programs (their base is the payments)."),
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=[(m, WORDS[m]) for m in MEASURES])
    settlement = forms.ChoiceField(
        label=_("Settled by"), choices=[(s, WORDS[s]) for s in SETTLEMENTS]
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    enrol_partners = forms.CharField(
        label=_("Enrolled partners (codes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    enrol_channel_models = forms.MultipleChoiceField(
        label=_("Enrolled channel models"), required=False, widget=forms.CheckboxSelectMultiple
    )
    enrol_grades = forms.MultipleChoiceField(
        label=_("Enrolled grades"), required=False, widget=forms.CheckboxSelectMultiple
    )
    rate = forms.CharField(
        label=_("Rate"),
        required=False,
        help_text=_("0.02 is 2 per cent; per unit when measured in quantities."),
    )
    amount = forms.CharField(label=_("Fixed amount"), required=False)
    threshold = forms.CharField(label=_("Threshold (target)"), required=False)
    tiers = forms.CharField(
        label=_("Tiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: from, rate — e.g. “100000 0.03”."),
    )
    growth = forms.ChoiceField(
        label=_("Growth measured as"),
        required=False,
        choices=[("", "—"), ("percent", _("per cent")), ("absolute", _("absolute"))],
    )
    rate_on = forms.ChoiceField(
        label=_("Rate applies to"),
        required=False,
        choices=[("", "—"), ("growth", _("the growth")), ("base", _("the whole base"))],
    )
    lifted_rate = forms.CharField(label=_("Lifted rate (mix)"), required=False)
    share_min = forms.CharField(
        label=_("Focus share needed (mix)"),
        required=False,
        help_text=_("0.3 is 30 per cent of the base."),
    )
    focus_rate = forms.CharField(label=_("Rate on focus sales (mix)"), required=False)
    focus_categories = forms.CharField(label=_("Focus categories (codes)"), required=False)
    focus_products = forms.CharField(label=_("Focus products (codes)"), required=False)
    rates = forms.CharField(
        label=_("Rate table (flat)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: product or category, its code, the rate — e.g. “category BIKES 0.03”."
        ),
    )
    bands = forms.CharField(
        label=_("Payment bands"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: days from invoice to payment at most, rate — e.g. “30 0.02”."),
    )
    min_base = forms.CharField(label=_("Minimum base"), required=False)
    cap_base = forms.CharField(label=_("Base capped at"), required=False)
    cap_amount = forms.CharField(label=_("Rebate capped at"), required=False)
    void_on = forms.MultipleChoiceField(
        label=_("Void on a confirmed violation of"),
        required=False,
        choices=ViolationType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    publish = forms.BooleanField(
        label=_("Publish now (otherwise a draft, to simulate first)"), required=False
    )

    definition: Definition

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        models_field = self.fields["enrol_channel_models"]
        grades_field = self.fields["enrol_grades"]
        assert isinstance(models_field, forms.MultipleChoiceField)
        assert isinstance(grades_field, forms.MultipleChoiceField)
        models_field.choices = [(m.code, m.name) for m in ChannelModel.objects.all()]
        grades_field.choices = [(g.code, g.name) for g in Grade.objects.all()]

    @classmethod
    def initial_from(cls, definition: dict[str, Any]) -> dict[str, Any]:
        """A stored definition as the form's initial values (to edit into a new version)."""
        enrol = definition.get("enrol", {})
        focus = definition.get("focus", {})
        initial = {k: v for k, v in definition.items() if not isinstance(v, dict | list)}
        initial.update(
            enrol_partners=" ".join(enrol.get("partners", [])),
            enrol_channel_models=enrol.get("channel_models", []),
            enrol_grades=enrol.get("grades", []),
            focus_categories=" ".join(focus.get("categories", [])),
            focus_products=" ".join(focus.get("products", [])),
            tiers="\n".join(
                f"{t.get('from')} {t.get('rate')}" for t in definition.get("tiers", [])
            ),
            bands="\n".join(
                f"{b.get('days_max')} {b.get('rate')}" for b in definition.get("bands", [])
            ),
            rates="\n".join(
                f"{'product' if 'product' in r else 'category'} "
                f"{r.get('product') or r.get('category')} {r.get('rate')}"
                for r in definition.get("rates", [])
            ),
            void_on=definition.get("void_on", []),
        )
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        table: dict[str, Any] = {}
        for key in (
            "code",
            "name_en",
            "name_zh",
            "description",
            "kind",
            "settlement",
            "valid_from",
            "valid_to",
        ):
            if data.get(key):
                table[key] = data[key]
        if data.get("kind") != "payment":
            table["base"] = data["base"]
            table["measure"] = data["measure"]
        for key in ("growth", "rate_on"):
            if data.get(key):
                table[key] = data[key]
        for key in NUMBER_KEYS:
            if (data.get(key) or "").strip():
                table[key] = _decimal_or_text(data[key].strip())
        if data.get("void_on"):
            table["void_on"] = list(data["void_on"])
        enrol = {
            "partners": _codes(data.get("enrol_partners", "")),
            "channel_models": list(data.get("enrol_channel_models") or []),
            "grades": list(data.get("enrol_grades") or []),
        }
        if any(enrol.values()):
            table["enrol"] = {k: v for k, v in enrol.items() if v}
        focus = {
            "categories": _codes(data.get("focus_categories", "")),
            "products": _codes(data.get("focus_products", "")),
        }
        if any(focus.values()):
            table["focus"] = {k: v for k, v in focus.items() if v}
        if (data.get("tiers") or "").strip():
            table["tiers"] = _pairs(data["tiers"], "from", "rate")
        if (data.get("bands") or "").strip():
            table["bands"] = _pairs(data["bands"], "days_max", "rate")
        if (data.get("rates") or "").strip():
            table["rates"] = []
            for line in data["rates"].splitlines():
                parts = _codes(line)
                if len(parts) == 3:
                    key = RATE_KEYWORDS.get(parts[0], parts[0])
                    table["rates"].append({key: parts[1], "rate": _decimal_or_text(parts[2])})
                elif parts:
                    table["rates"].append({"line": line})  # refused by the parser, named
        try:
            self.definition = parse_definition(table)
        except DefinitionError as exc:
            for problem in exc.problems:
                self.add_error(None, problem)
        return data


class ProgramFileForm(forms.Form):
    """A program file uploaded, or its text pasted."""

    file = forms.FileField(label=_("Program file (TOML)"), required=False)
    text = forms.CharField(
        label=_("…or its text"),
        required=False,
        max_length=256 * 1024,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
    )
    publish = forms.BooleanField(
        label=_("Publish now (otherwise a draft, to simulate first)"), required=False
    )

    MAX_BYTES = 256 * 1024

    definition: Definition
    source: str

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError(_("A program file is at most 256 KB."))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        else:
            text = data.get("text") or ""
        if not text.strip():
            raise forms.ValidationError(_("Choose a file or paste its text."))
        try:
            self.definition = parse_toml(text)
        except DefinitionError as exc:
            raise forms.ValidationError(exc.problems) from exc
        self.source = text
        return data


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("2020-02 (a month), 2020Q1 or 2020")
    )

    def clean_period(self) -> str:
        try:
            return Period.parse(self.cleaned_data["period"]).key
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class FundForm(ScopedModelForm):
    class Meta:
        model = Fund
        fields = ["code", "name_en", "name_zh", "period", "channel_model", "grade", "amount"]


class MdfRequestForm(ScopedModelForm):
    """A request for funds; the partner list holds those the user may ask for."""

    class Meta:
        model = MdfRequest
        fields = ["partner", "fund", "activity", "plan", "budget", "starts_on", "ends_on"]
        widgets = {
            "plan": forms.Textarea(attrs={"rows": 4}),
            "starts_on": forms.DateInput(),
            "ends_on": forms.DateInput(),
        }


class MdfDecisionForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount approved"),
        required=False,
        max_digits=24,
        decimal_places=2,
        help_text=_("Empty: the budget asked for."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MdfClaimForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount claimed"), max_digits=24, decimal_places=2)
    description = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    proofs = FilesField(
        label=_("Proof of performance"),
        required=False,
        help_text=_("Photos, invoices, attendance lists: up to 10 files of 10 MB."),
    )


class ExpenseClaimForm(ScopedModelForm):
    class Meta:
        model = ExpenseClaim
        fields = ["category", "spent_on", "amount", "partner", "description", "receipt"]
        widgets = {"spent_on": forms.DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
