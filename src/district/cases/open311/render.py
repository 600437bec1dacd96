"""Open311 bodies in JSON and XML, exactly as GeoReport v2 shapes them.

JSON follows the spec's "Spark convention": the XML root disappears and the repeated child
becomes an array. XML has no namespace, no attributes and no foreign wrapper, so the real
clients' XML-to-dict readers (xmltodict in ``georeport``, xml2dict in ``open311``) see
exactly ``services/service``, ``service_requests/request`` and so on. Values are written as
text: booleans as ``true``/``false``, None as an empty element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# The element name of one item in each list-valued field.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "photos": "photo",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _INVALID_XML.sub("", str(value))


def _fill(element: ElementTree.Element, value: Any, tag: str) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _append(element, str(key), child)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            _append(element, item_tag, item)
    else:
        element.text = _text(value)


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    child = ElementTree.SubElement(parent, tag)
    _fill(child, value, tag)


def to_xml(root: str, body: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, body, root)
    return bytes(ElementTree.tostring(element, encoding="utf-8", xml_declaration=True))


def respond(fmt: str, root: str, body: Any, *, status: int = 200) -> HttpResponse:
    """``body`` as JSON (lists stay lists) or as XML under ``root``."""
    if fmt == "json":
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return HttpResponse(payload.encode("utf-8"), content_type=JSON_TYPE, status=status)
    return HttpResponse(to_xml(root, body), content_type=XML_TYPE, status=status)


def error_response(fmt: str, errors: Sequence[tuple[int, str]], *, status: int) -> HttpResponse:
    """The spec's error list: ``[{"code", "description"}]`` / ``<errors><error>…``."""
    body = [{"code": code, "description": description} for code, description in errors]
    return respond(fmt if fmt in ("json", "xml") else "xml", "errors", body, status=status)
