"""The Open311 POST form, parsed and checked with pydantic before intake sees it."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from district.core.errors import InputError

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_KNOWN = {
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
}


class ServiceRequestForm(BaseModel):
    """``POST requests``: service_code, a location (lat+long, address_string or address_id),
    optional contact details, description (≤ 4,000 characters), media_url and attributes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    service_code: str = Field(min_length=1, max_length=20)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    long: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    address_string: str = Field(default="", max_length=200)
    address_id: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=120)
    device_id: str = Field(default="", max_length=100)
    account_id: str = Field(default="", max_length=100)
    first_name: str = Field(default="", max_length=30)
    last_name: str = Field(default="", max_length=30)
    phone: str = Field(default="", max_length=30)
    description: str = Field(default="", max_length=4000)
    media_url: str = Field(default="", max_length=500)
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)

    @field_validator("lat", "long", mode="before")
    @classmethod
    def _empty_is_missing(cls, value: Any) -> Any:
        return None if value == "" else value


def parse_form(data: QueryDict) -> ServiceRequestForm:
    """Read the form (``attribute[CODE]`` and ``attribute[CODE][]`` collected); an empty
    optional field counts as missing, as the spec requires."""
    values: dict[str, Any] = {}
    attributes: dict[str, str | list[str]] = {}
    unknown = []
    for key in data:
        match = _ATTRIBUTE.match(key)
        if match:
            code, many = match.group(1), match.group(2)
            items = [v for v in data.getlist(key)]
            attributes[code] = items if many or len(items) > 1 else items[0]
            continue
        if key in ("api_key", "jurisdiction_id"):
            continue
        if key not in _KNOWN:
            unknown.append(key)
            continue
        value = data.get(key, "")
        if value != "":
            values[key] = value
    if unknown:
        raise InputError(
            f"Unknown field {unknown[0]!r}.",
            field=unknown[0],
            fix="Open311 GeoReport v2 fields: service_code, lat, long, address_string, "
            "address_id, email, device_id, account_id, first_name, last_name, phone, "
            "description, media_url, attribute[CODE].",
        )
    values["attributes"] = attributes
    try:
        return ServiceRequestForm.model_validate(values)
    except ValidationError as error:
        messages: dict[str, list[str]] = {}
        for item in error.errors():
            field = ".".join(str(p) for p in item.get("loc", ())) or "request"
            messages.setdefault(field, []).append(str(item.get("msg", "invalid")))
        first = next(iter(messages))
        summary = "; ".join(f"{k}: {', '.join(v)}" for k, v in messages.items())
        raise InputError(
            f"Invalid request: {summary}.",
            field=first,
            errors=messages,
            fix="See GET services/{service_code}.json for the fields a service takes.",
        ) from None
