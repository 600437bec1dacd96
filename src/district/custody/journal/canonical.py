"""Canonical JSON: one byte string for one event, so that its hash is reproducible.

The journal hashes bytes, not objects, so the same event must always serialise to the same
bytes, on any machine and in any language. We follow JSON Canonicalization (RFC 8785, "JCS")
for the subset of JSON the ledger needs:

- objects with keys sorted by their UTF-16 code units (JCS §3.2.3; this differs from Python's
  code-point order only for characters above U+FFFF);
- no insignificant whitespace, UTF-8 output, strings escaped as ECMAScript ``JSON.stringify``
  does (only ``"``, ``\\`` and control characters; everything else as is);
- integers only. Money is integer fen (分), so a float in an event is a bug, and floats are
  refused rather than canonicalised. Integers must lie in ±(2**53 - 1), the range every JSON
  reader represents exactly (JCS numbers are IEEE doubles); larger values go in as strings.

The result never contains a raw newline, so one canonical document fits on one line of a
JSON Lines file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from district.core.errors import InputError

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer every JSON reader holds exactly (RFC 8785 §3.2.2.3, I-JSON)."""


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _encode(value: Any, path: str, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise InputError(
                f"Field '{path}' holds {value}, outside the exact JSON integer range ±(2**53-1)",
                field=path,
                value=value,
                fix="Store such a number as a string.",
            )
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        raise InputError(
            f"Field '{path}' holds the float {value!r}; journal events take no floats",
            field=path,
            value=value,
            fix="Give money as integer fen and other quantities as integers or strings.",
        )
    elif isinstance(value, str):
        _check_text(value, path)
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        items: list[tuple[str, Any]] = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(
                    f"Field '{path}' has the key {key!r}, which is not a string",
                    field=path,
                    value=key,
                    fix="Use string keys in journal events.",
                )
            _check_text(key, f"{path}.{key}")
            items.append((key, item))
        items.sort(key=lambda pair: _utf16_key(pair[0]))
        out.append("{")
        for position, (key, item) in enumerate(items):
            if position:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _encode(item, f"{path}.{key}", out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _encode(item, f"{path}[{position}]", out)
        out.append("]")
    else:
        raise InputError(
            f"Field '{path}' holds a {type(value).__name__}, which JSON cannot carry",
            field=path,
            value=repr(value),
            fix="Convert dates to ISO 8601 strings, decimals to integer fen, bytes to hex.",
        )


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            f"Field '{path}' holds a lone surrogate at position {error.start}",
            field=path,
            value=text,
            fix="Pass well-formed Unicode text.",
        ) from None


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` to canonical JSON bytes (RFC 8785 for integers, text and containers).

    Raises :class:`InputError` naming the offending field for floats, out-of-range integers,
    non-string keys and types JSON cannot carry.
    """
    return canonical_json_and_copy(value)[0]


def canonical_json_and_copy(value: Any) -> tuple[bytes, Any]:
    """:func:`canonical_json` plus a fresh copy of ``value`` read back from the bytes.

    Fast path: the C encoder with sorted keys writes the canonical form whenever the value
    holds only dicts with ASCII keys, lists, text, safe integers and literals (code-point order
    equals UTF-16 order for ASCII keys). Reading the bytes back through the checking parser
    and comparing with ``value`` proves that it did (a float, an unsafe integer, a non-string
    key or a tuple makes the check fail). Anything else takes the careful encoder, which also
    words the errors.
    """
    try:
        text = json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
        )
        data = text.encode("utf-8")
        copy = _load_plain(text)
        if copy == value:
            return data, copy
    except (TypeError, ValueError, _NotPlainError, UnicodeEncodeError):
        pass
    out: list[str] = []
    _encode(value, "$", out)
    data = "".join(out).encode("utf-8")
    return data, json.loads(data)


class _NotPlainError(Exception):
    """Raised inside :func:`load_canonical`'s parser hooks to take the careful path."""


def _plain_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    for key, _ in pairs:
        if not key.isascii():
            raise _NotPlainError
    return dict(pairs)


def _plain_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise _NotPlainError
    return value


def _no_float(text: str) -> Any:
    raise _NotPlainError


def _load_plain(text: str) -> Any:
    """Parse JSON, raising :class:`_NotPlainError` at a float, an unsafe int or a non-ASCII key."""
    return json.loads(
        text,
        object_pairs_hook=_plain_object,
        parse_int=_plain_int,
        parse_float=_no_float,
        parse_constant=_no_float,
    )


def load_canonical(data: bytes) -> Any:
    """Parse JSON bytes and check that they are exactly :func:`canonical_json` of the result.

    Raises :class:`InputError` if the bytes are not JSON or not canonical (other key order,
    spacing or escapes; floats; unsafe integers). The common case (ASCII keys, integers,
    text) is checked by the C parser and encoder; the rest by the careful encoder.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"The bytes are not UTF-8: {error}", field="entry") from None
    try:
        document = _load_plain(text)
        canonical = json.dumps(
            document, ensure_ascii=False, separators=(",", ":"), sort_keys=True
        ).encode("utf-8")
    except json.JSONDecodeError as error:
        raise InputError(f"The entry is not valid JSON: {error}", field="entry") from None
    except (_NotPlainError, UnicodeEncodeError):
        try:
            document = json.loads(text)
        except ValueError as error:
            raise InputError(f"The entry is not valid JSON: {error}", field="entry") from None
        canonical = canonical_json(document)
    if canonical != data:
        raise InputError(
            "The entry is not in canonical JSON form (key order, spacing or escapes differ)",
            field="entry",
        )
    return document
