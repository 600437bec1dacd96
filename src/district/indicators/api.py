"""The indicators app's JSON API under ``/api/indicators/``."""

from ninja import Router

router = Router(tags=["indicators"])
