from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import ScopedModelForm
from qudao.core.periods import Period
from qudao.core.permissions import is_partner_user
from qudao.facts.choices import FACT_CHOICES, ImportMode, master_target_choices
from qudao.facts.models import PARTNER_FACTS, SavedMapping
from qudao.facts.services import MASTER_FILE_MAX_BYTES

ALLOWED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")


class SavedMappingSelect(forms.Select):
    """Options carry their fact, so the page can offer only the mappings for the chosen one."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-fact"] = instance.fact
        return option


class SavedMappingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        source = obj.partner.code if obj.partner_id else _("any partner")
        return f"{obj.name} · {obj.get_fact_display()} · {source}"


class MappedUploadForm(forms.Form):
    """What every upload asks besides its file: a saved mapping (only the uploader's own
    and shared ones, for the kind chosen in ``kind_field``), or a mapping typed in, and a
    name to keep it under."""

    kind_field = "fact"

    saved_mapping = SavedMappingChoiceField(
        label=_("Saved mapping"),
        queryset=SavedMapping.objects.none(),
        widget=SavedMappingSelect,
        required=False,
        empty_label=_("None: the file uses the canonical column names"),
    )
    mapping = forms.CharField(
        label=_("Or a mapping (TOML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Which column feeds which field; see the import mapping guide."),
    )
    save_as = forms.CharField(
        label=_("Save the mapping as"),
        required=False,
        max_length=100,
        help_text=_("Give it a name to reuse it for the next file from this source."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [name for name, _label in self.fields[self.kind_field].choices]  # type: ignore[attr-defined]
        queryset = SavedMapping.objects.restrict(user).filter(fact__in=kinds)
        self.fields["saved_mapping"].queryset = queryset.select_related("partner")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        saved, kind = data.get("saved_mapping"), data.get(self.kind_field)
        if saved is not None and kind and saved.fact != kind:
            self.add_error(
                "saved_mapping",
                _("“%(name)s” maps %(mapped)s files, not %(fact)s.")
                % {"name": saved.name, "mapped": saved.fact, "fact": kind},
            )
        return data

    def mapping_toml(self) -> str:
        saved = self.cleaned_data.get("saved_mapping")
        return saved.toml if saved else self.cleaned_data.get("mapping", "")


class UploadForm(MappedUploadForm):
    fact = forms.ChoiceField(label=_("What the file holds"), choices=FACT_CHOICES)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, GBK, Big5 or Excel’s Unicode text), Excel (.xlsx or .xls) or Parquet. "
            "Any size: it is read in chunks."
        ),
    )
    replace_period = forms.CharField(
        label=_("Replaces a period"),
        required=False,
        max_length=10,
        help_text=_(
            "For a corrected resubmission: 2024-03, 2024Q1 or 2024. Earlier rows of the same "
            "partners in that period stop counting once this file is committed."
        ),
    )
    mode = forms.ChoiceField(
        label=_("If some rows are wrong"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if is_partner_user(user):  # a partner uploads its own flow and stock, nothing else
            self.fields["fact"].choices = [  # type: ignore[attr-defined]
                (name, label) for name, label in FACT_CHOICES if name in PARTNER_FACTS
            ]

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Use a .csv, .xlsx or .parquet file."))
        return uploaded

    def clean_replace_period(self) -> tuple[Any, Any] | None:
        text = self.cleaned_data.get("replace_period", "").strip()
        if not text:
            return None
        try:
            period = Period.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return period.start, period.end


class MasterImportForm(MappedUploadForm):
    """Upload a master-data file: what it holds, the file, and how its columns map."""

    kind_field = "target"

    target = forms.ChoiceField(label=_("What the file holds"), choices=master_target_choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, GBK, Big5 or Excel’s Unicode text) or Excel (.xlsx or .xls), up to 20 MB."
        ),
    )

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith((".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")):
            raise forms.ValidationError(_("Use a .csv, .xlsx or .xls file."))
        if uploaded.size > MASTER_FILE_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; master-data files may be up to 20 MB.")
                % {"size": f"{uploaded.size / 1e6:.1f}"}
            )
        return uploaded


class SavedMappingForm(ScopedModelForm):
    class Meta:
        model = SavedMapping
        fields = ["name", "fact", "partner", "toml"]
        widgets = {"toml": forms.Textarea(attrs={"rows": 14, "class": "mono"})}
