"""The cases app's JSON API under ``/api/cases/``."""

from ninja import Router

router = Router(tags=["cases"])
