"""The custody app's JSON API under ``/api/custody/``."""

from ninja import Router

router = Router(tags=["custody"])
