"""Materialised-path maintenance for ``TreeNode`` models (regions, partners, categories)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def tree_check_parent(*, node: Any, parent: Any | None) -> None:
    """Refuse a parent that is the node itself or lies below it (a cycle)."""
    if parent is None or node.pk is None:
        return
    if parent.pk == node.pk or parent.path.startswith(node.path):
        raise ValidationError({"parent": _("A node cannot be placed below itself.")})


def tree_refresh_paths(*, node: Any) -> None:
    """Recompute ``path`` and ``depth`` of ``node`` and of every node below it."""
    model: type[models.Model] = type(node)
    old_path = node.path
    parent = node.parent
    new_path = (parent.path if parent else "/") + f"{node.pk}/"
    if new_path == old_path:
        return
    depth_shift = new_path.count("/") - old_path.count("/") if old_path else 0
    node.path = new_path
    node.depth = new_path.count("/") - 1
    model.objects.filter(pk=node.pk).update(path=node.path, depth=node.depth)  # type: ignore[attr-defined]
    if not old_path:
        return
    descendants = model.objects.filter(path__startswith=old_path).exclude(pk=node.pk)  # type: ignore[attr-defined]
    for child in descendants:
        child.path = new_path + child.path[len(old_path) :]
        child.depth = child.depth + depth_shift
    model.objects.bulk_update(descendants, ["path", "depth"])  # type: ignore[attr-defined]


def tree_parent_in(data: dict[str, Any], model: type[models.Model]) -> tuple[bool, Any | None]:
    """Whether ``data`` sets a parent (as ``parent`` or ``parent_id``), and which one."""
    if "parent" in data:
        return True, data["parent"]
    if "parent_id" in data:
        pk = data["parent_id"]
        return True, model._default_manager.get(pk=pk) if pk is not None else None
    return False, None
