from django.urls import path

from district.custody import views

app_name = "custody"
urlpatterns = [
    # anyone
    path("", views.index, name="index"),
    path("verify/", views.verify, name="verify"),
    path("notary-key.pem", views.public_key, name="public_key"),
    # consumers
    path("me/", views.my_contracts, name="my_contracts"),
    path("me/receipts/", views.my_receipts, name="my_receipts"),
    path("me/buy/", views.buy, name="buy"),
    path("me/c/<int:pk>/", views.contract, name="contract"),
    path("me/c/<int:pk>/refund/", views.refund, name="refund"),
    path("me/c/<int:pk>/use/", views.use_session, name="use_session"),
    path("me/c/<int:pk>/dispute/", views.open_dispute, name="open_dispute"),
    path("me/c/<int:pk>/receipts/<int:leaf_index>.json", views.receipt_json, name="receipt_json"),
    path("me/check-ins/<int:pk>/confirm/", views.confirm_check_in, name="confirm_check_in"),
    path("me/check-ins/<int:pk>/dispute/", views.dispute_check_in, name="dispute_check_in"),
    # merchant staff
    path("merchant/", views.merchant_home, name="merchant_home"),
    path("merchant/<int:pk>/", views.merchant, name="merchant"),
    path("merchant/<int:pk>/check-in/", views.record_check_in, name="record_check_in"),
    # the regulator
    path("regulator/", views.regulator, name="regulator"),
    path("regulator/scan/", views.scan_risks, name="scan_risks"),
    path("regulator/warnings/<int:pk>/close/", views.close_warning, name="close_warning"),
    path("regulator/m/<int:pk>/", views.regulator_merchant, name="regulator_merchant"),
    path("regulator/disputes/", views.disputes, name="disputes"),
    path("regulator/disputes/<int:pk>/resolve/", views.resolve_dispute, name="resolve_dispute"),
    path("regulator/closures/", views.closures, name="closures"),
    path("regulator/closures/<int:pk>/", views.closure, name="closure"),
    # the notary
    path("notary/", views.notary, name="notary"),
    path("notary/settle/", views.settle, name="settle"),
    path("notary/settle/<int:pk>/", views.settle_merchant, name="settle_merchant"),
    path("notary/statements/", views.statements, name="statements"),
    path("notary/statements/<int:pk>/", views.statement, name="statement"),
]
