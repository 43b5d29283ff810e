"""One's notifications over the API: the inbox (unread first if asked), read one, read all
— the same selectors and services as the pages."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from qudao.core.api import Pagination, filtered
from qudao.notifications import selectors
from qudao.notifications.filtersets import NotificationFilterSet
from qudao.notifications.models import Event
from qudao.notifications.services import notification_read, notifications_read_all

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    event: Event
    title: str
    body: str
    url: str
    partner: str | None
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_partner(n: Any) -> str | None:
        return n.partner.code if n.partner else None


class NotificationFilters(Schema):
    q: str | None = None
    event: Event | None = None
    unread: bool | None = None


class ReadAllOut(Schema):
    marked_read: int


@router.get("", response=list[NotificationOut])
@paginate(Pagination)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    return filtered(NotificationFilterSet, filters.dict(), selectors.inbox(user=request.user))


@router.post("/{int:notification_id}/read", response=NotificationOut)
def read_notification(request: HttpRequest, notification_id: int) -> Any:
    notification = get_object_or_404(selectors.inbox(user=request.user), pk=notification_id)
    return notification_read(notification=notification, actor=request.user)


@router.post("/read", response=ReadAllOut)
def read_all_notifications(request: HttpRequest) -> Any:
    return {"marked_read": notifications_read_all(actor=request.user)}
