from django.urls import path

from qudao.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("read/", views.notifications_all_read, name="read_all"),
    path("settings/", views.notification_settings, name="settings"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path("webhooks/add/", views.WebhookEditView.as_view(), name="webhook_add"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/edit/", views.WebhookEditView.as_view(), name="webhook_edit"),
    path("webhooks/<int:pk>/test/", views.webhook_ping, name="webhook_test"),
    path("deliveries/", views.DeliveryListView.as_view(), name="delivery_list"),
]
