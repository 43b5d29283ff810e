from django.urls import path

from qudao.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.ProductListView.as_view(), name="product_list"),
    path("add/", views.ProductEditView.as_view(), name="product_add"),
    path("<int:pk>/", views.product_detail, name="product_detail"),
    path("<int:pk>/edit/", views.ProductEditView.as_view(), name="product_edit"),
    path("prices/", views.PriceListView.as_view(), name="price_list"),
    path("prices/add/", views.PriceEditView.as_view(), name="price_add"),
    path("prices/<int:pk>/", views.price_detail, name="price_detail"),
    path("prices/<int:pk>/edit/", views.PriceEditView.as_view(), name="price_edit"),
]
