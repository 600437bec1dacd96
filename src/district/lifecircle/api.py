"""The lifecircle app's JSON API under ``/api/lifecircle/``."""

from ninja import Router

router = Router(tags=["lifecircle"])
