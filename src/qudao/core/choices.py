"""Roles and other shared enums."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The groups a user can belong to; each is a Django group of the same name."""

    CHANNEL_DIRECTOR = "channel_director", _("Channel director")
    CHANNEL_MANAGER = "channel_manager", _("Channel manager")
    FINANCE = "finance", _("Finance")
    SALES = "sales", _("Sales")
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    PARTNER_USER = "partner_user", _("Partner user")
    PRODUCT = "product", _("Product team")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain")


INTERNAL_ROLES = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER, Role.FINANCE, Role.SALES})
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_USER})
