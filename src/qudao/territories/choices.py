from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    GROUP = "group", _("Region group")
    COUNTRY = "country", _("Country")
    PROVINCE = "province", _("Province / state")
    TERRITORY = "territory", _("Sales territory")
    CITY = "city", _("City")
    OTHER = "other", _("Other")


class SegmentKind(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    CUSTOMER_GROUP = "customer_group", _("Customer group")
    PRODUCT_LINE = "product_line", _("Product line")
