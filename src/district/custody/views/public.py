"""Pages for anyone: what the platform does, with aggregate figures only (never a
consumer's name or phone), and a receipt checker."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from district.core.access import public
from district.core.errors import DistrictError
from district.custody import ledger, services
from district.custody.forms import ReceiptCheckForm
from district.custody.journal.receipt import Receipt, verify_receipt
from district.custody.models import Merchant


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "custody/index.html",
        {
            "summary": services.custody_summary(),
            "tree_head": services.latest_tree_head(),
            "merchants": Merchant.objects.filter(status="active").order_by("sector", "name"),
        },
    )


@public
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check a receipt here, or read how to check it offline with no help from us."""
    form = ReceiptCheckForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and form.is_valid():
        try:
            data = json.loads(form.cleaned_data["receipt"].read(1_000_000))
            check = verify_receipt(Receipt.from_dict(data), ledger.public_key_pem())
        except ValueError:
            form.add_error("receipt", _("This file is not JSON."))
        except DistrictError as error:
            form.add_error("receipt", str(error))
    return render(
        request,
        "custody/verify.html",
        {"form": form, "check": check, "public_key_pem": ledger.public_key_pem().decode("ascii")},
    )


@public
@require_GET
def public_key(request: HttpRequest) -> HttpResponse:
    """The notary's Ed25519 public key that signs the journal's tree heads (PEM)."""
    response = HttpResponse(ledger.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="custody-notary-key.pem"'
    return response
