from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, StatusColumn
from qudao.facts.models import Batch, MasterImport, SavedMapping


class BatchTable(tables.Table):
    id = tables.Column(verbose_name=_("Batch"), linkify=True)
    fact = tables.Column()
    source_name = tables.Column()
    status = StatusColumn()
    rows_read = tables.Column(attrs=NUMERIC)
    rows_accepted = tables.Column(attrs=NUMERIC)
    rows_rejected = tables.Column(attrs=NUMERIC)
    first_date = tables.DateColumn()
    last_date = tables.DateColumn()
    created_by = tables.Column()
    created_at = tables.DateTimeColumn(verbose_name=_("Imported at"))

    class Meta:
        model = Batch
        fields = (
            "id",
            "fact",
            "source_name",
            "status",
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "first_date",
            "last_date",
            "created_by",
            "created_at",
        )
        order_by = "-id"


class SavedMappingTable(tables.Table):
    name = tables.Column()
    fact = tables.Column()
    partner = tables.Column(default=_("Any partner"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Changed"))
    edit = EditColumn("facts:mapping_edit")

    class Meta:
        model = SavedMapping
        fields = ("name", "fact", "partner", "updated_at")
        order_by = ("fact", "name")


class MasterImportTable(tables.Table):
    id = tables.Column(verbose_name=_("Import"), linkify=True)
    target = tables.Column()
    source_name = tables.Column()
    status = StatusColumn()
    rows_read = tables.Column(attrs=NUMERIC)
    rows_new = tables.Column(attrs=NUMERIC)
    rows_updated = tables.Column(attrs=NUMERIC)
    rows_unchanged = tables.Column(attrs=NUMERIC)
    rows_rejected = tables.Column(attrs=NUMERIC)
    created_by = tables.Column()
    created_at = tables.DateTimeColumn(verbose_name=_("Checked at"))
    committed_at = tables.DateTimeColumn()

    class Meta:
        model = MasterImport
        fields = (
            "id",
            "target",
            "source_name",
            "status",
            "rows_read",
            "rows_new",
            "rows_updated",
            "rows_unchanged",
            "rows_rejected",
            "created_by",
            "created_at",
            "committed_at",
        )
        order_by = "-id"
