"""The participation app's JSON API under ``/api/participation/``."""

from ninja import Router

router = Router(tags=["participation"])
