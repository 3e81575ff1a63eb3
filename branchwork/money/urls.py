from django.urls import path

from . import views

app_name = "money"

urlpatterns = [
    path("units/<str:code>/money/", views.unit_money, name="unit"),
    path("units/<str:code>/money/dues/", views.unit_dues, name="unit-dues"),
    path("units/<str:code>/money/arrears/", views.unit_arrears, name="unit-arrears"),
    path("units/<str:code>/money/donations/", views.unit_donations, name="unit-donations"),
    path("units/<str:code>/money/transfer/", views.unit_transfer, name="unit-transfer"),
    path("units/<str:code>/money/funds/", views.unit_funds, name="unit-funds"),
    path("units/<str:code>/money/statement/", views.unit_statement, name="unit-statement"),
    path("money/accounts/<int:pk>/", views.account_detail, name="account"),
    path("money/transactions/<int:pk>/", views.transaction_detail, name="transaction"),
    path("money/donations/<int:pk>/receipt.pdf", views.donation_receipt, name="receipt"),
    path("money/funds/<int:pk>/", views.fund_detail, name="fund"),
    path("money/allocations/<int:pk>/", views.allocation_detail, name="allocation"),
    path("money/items/<int:pk>/award.pdf", views.award_letter, name="award"),
    path("money/reports/", views.reports, name="reports"),
    path("people/<int:pk>/stipends/", views.person_stipends, name="person-stipends"),
]
