"""Photos of cases: checked by size and by content (not by the name the browser sends).

Accepted: JPEG, PNG and WebP up to ``MAX_PHOTO_BYTES``. Files are stored under
``MEDIA_ROOT/cases/photos/`` with random names and served only through the case views, which
check who may see them. A photo saved inside a transaction that then fails is deleted again,
so a refused report leaves no file behind.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from district.accounts.models import User
from district.cases.models import Case, CaseEvent, Photo
from district.core.errors import InputError

MAX_PHOTO_BYTES = 5 * 1024 * 1024  # 5 MB: a phone photo, not a video
MAX_PHOTOS = 4

_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"WEBP", 8, "image/webp", "webp"),
)


class UploadedPhoto(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ...) -> bytes: ...

    def seek(self, offset: int) -> int: ...


def check_photo(upload: UploadedPhoto, *, field: str = "photo") -> tuple[bytes, str, str]:
    """The photo's bytes, content type and extension, or an :class:`InputError`."""
    name = upload.name or "photo"
    size = upload.size or 0
    if size > MAX_PHOTO_BYTES:
        raise InputError(
            f"The photo {name!r} is {size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_PHOTO_BYTES // 1_048_576} MB.",
            field=field,
            value=name,
            fix="Send a smaller photo (most phones can share a reduced size).",
        )
    upload.seek(0)
    content = upload.read(MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        raise InputError(
            f"The photo {name!r} is larger than {MAX_PHOTO_BYTES // 1_048_576} MB.",
            field=field,
            value=name,
            fix="Send a smaller photo.",
        )
    if not content:
        raise InputError(f"The photo {name!r} is empty.", field=field, value=name)
    for signature, offset, content_type, extension in _SIGNATURES:
        if content[offset : offset + len(signature)] == signature:
            if content_type == "image/webp" and not content.startswith(b"RIFF"):
                continue
            return content, content_type, extension
    raise InputError(
        f"{name!r} is not a JPEG, PNG or WebP image.",
        field=field,
        value=name,
        fix="Attach a photo taken with a phone or camera (JPEG, PNG or WebP).",
    )


class PhotoBatch:
    """Photos written during one transaction, deleted again if it fails."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def save(
        self,
        *,
        case: Case,
        content: bytes,
        content_type: str,
        extension: str,
        event: CaseEvent | None,
        by: User | None,
        public: bool,
    ) -> Photo:
        name = default_storage.save(
            f"cases/photos/{case.received_at:%Y/%m}/{secrets.token_hex(16)}.{extension}",
            ContentFile(content),
        )
        self.paths.append(name)
        return Photo.objects.create(
            case=case,
            event=event,
            file=name,
            content_type=content_type,
            size_bytes=len(content),
            public=public,
            uploaded_by=by,
        )

    def discard(self) -> None:
        for path in self.paths:
            default_storage.delete(path)
        self.paths.clear()


@contextmanager
def photo_batch() -> Iterator[PhotoBatch]:
    """Use around a transaction: on any exception the files written are removed."""
    batch = PhotoBatch()
    try:
        yield batch
    except BaseException:
        batch.discard()
        raise


def checked_photos(
    uploads: list[UploadedPhoto] | None, *, field: str = "photos"
) -> list[tuple[bytes, str, str]]:
    uploads = [u for u in (uploads or []) if u is not None]
    if len(uploads) > MAX_PHOTOS:
        raise InputError(
            f"{len(uploads)} photos attached; at most {MAX_PHOTOS} are kept per step.",
            field=field,
            value=len(uploads),
            fix=f"Choose the {MAX_PHOTOS} clearest photos.",
        )
    return [check_photo(u, field=field) for u in uploads]
