"""Ed25519 keys and signed tree heads (STH).

A signed tree head is the operator's statement "the journal had ``tree_size`` entries and
this Merkle root at this time". Consumers, the notary office and the market-supervision bureau
keep the heads they have seen; a later head that does not extend an earlier one (a consistency
proof fails, or the entries no longer hash to the signed root) proves that history was
rewritten. The operator holds the key, so it could re-sign a rewritten journal: only heads held
by someone else (an *anchor*) catch that, which is why heads must leave the operator.

Signed message (64 bytes), compact and fixed so any language can check it::

    b"district-sth-v1\\x00"      16 bytes  context: a signature for nothing else
    tree_size                  8 bytes  unsigned, big-endian
    root_hash                 32 bytes  RFC 6962 root of the first tree_size entries
    timestamp_us               8 bytes  signed, big-endian, microseconds since 1970 UTC

This is the 48-byte layout of the research brief (size ‖ root ‖ timestamp) behind a context
prefix, with the time in microseconds rather than nanoseconds: Python datetimes carry
microseconds, and a microsecond count stays below 2**53 (until the year 2255), so it is an
exact integer in every JSON reader. Keys are PEM: PKCS#8 for the private key,
SubjectPublicKeyInfo for the public key.
The key id is the hex SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from district.core.errors import ConfigurationError, InputError

from .merkle import HASH_SIZE

STH_CONTEXT = b"district-sth-v1\x00"
_STH_LAYOUT = struct.Struct(">Q32sq")


def generate_signing_key() -> bytes:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM bytes.

    Store it as a secret (a file readable only by the service, or a secrets manager).
    """
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_signing_key(pem: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from PEM bytes (optionally password-protected)."""
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(
            f"The journal signing key cannot be read: {error}",
            fix="Give PKCS#8 PEM bytes of an Ed25519 key "
            "(make one with district.custody.journal.generate_signing_key).",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(
            f"The journal signing key is a {type(key).__name__}, not an Ed25519 key",
            fix="Generate an Ed25519 key.",
        )
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The public half of ``key`` as SubjectPublicKeyInfo PEM bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from PEM bytes."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise InputError(
            f"The journal public key cannot be read: {error}",
            field="public_key",
            fix="Give SubjectPublicKeyInfo PEM bytes of an Ed25519 key.",
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(
            f"The journal public key is a {type(key).__name__}, not an Ed25519 key",
            field="public_key",
        )
    return key


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The hex SHA-256 of the raw public key: a short, stable name for the key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def timestamp_us(moment: datetime) -> int:
    """Microseconds since 1970-01-01 UTC for an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InputError(
            f"The time {moment.isoformat()} has no time zone",
            field="timestamp",
            value=moment.isoformat(),
            fix="Pass an aware datetime (the database's now(), in Asia/Shanghai or UTC).",
        )
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class SignedTreeHead:
    """The operator's signed statement of the journal's size and root at a time."""

    tree_size: int
    root_hash: bytes
    timestamp_us: int
    signature: bytes
    key_id: str

    def message(self) -> bytes:
        """The exact bytes that were signed."""
        return tree_head_message(self.tree_size, self.root_hash, self.timestamp_us)

    @property
    def issued_at(self) -> datetime:
        """The timestamp as an aware UTC datetime."""
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=self.timestamp_us)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: hashes and signatures in lowercase hex."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp_us": self.timestamp_us,
            "signature": self.signature.hex(),
            "key_id": self.key_id,
        }

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "tree head") -> SignedTreeHead:
        """Parse :meth:`to_dict` output; :class:`InputError` names the bad field."""
        if not isinstance(data, dict):
            raise InputError(f"The {where} is not a JSON object", field=where)
        try:
            tree_size = data["tree_size"]
            root = bytes.fromhex(data["root_hash"])
            stamp = data["timestamp_us"]
            signature = bytes.fromhex(data["signature"])
            kid = data["key_id"]
        except KeyError as missing:
            raise InputError(
                f"The {where} has no field {missing}",
                field=str(missing),
                fix="A tree head has tree_size, root_hash, timestamp_us, signature and key_id.",
            ) from None
        except (TypeError, ValueError):
            raise InputError(
                f"The {where} has a root_hash or signature that is not hex",
                field="root_hash",
            ) from None
        if not isinstance(tree_size, int) or isinstance(tree_size, bool) or tree_size < 0:
            raise InputError(
                f"The {where} has tree_size {tree_size!r}", field="tree_size", value=tree_size
            )
        if not isinstance(stamp, int) or isinstance(stamp, bool):
            raise InputError(
                f"The {where} has timestamp_us {stamp!r}", field="timestamp_us", value=stamp
            )
        if len(root) != HASH_SIZE:
            raise InputError(
                f"The {where} has a root_hash of {len(root)} bytes, not {HASH_SIZE}",
                field="root_hash",
            )
        if not isinstance(kid, str):
            raise InputError(f"The {where} has key_id {kid!r}", field="key_id", value=kid)
        return cls(tree_size, root, stamp, signature, kid)


def tree_head_message(tree_size: int, root_hash: bytes, timestamp_us: int) -> bytes:
    """The 64 bytes an STH signature covers (see the module docstring)."""
    if len(root_hash) != HASH_SIZE:
        raise InputError(
            f"A root hash is {HASH_SIZE} bytes; got {len(root_hash)}", field="root_hash"
        )
    if not 0 <= tree_size < 2**64:
        raise InputError(f"tree_size {tree_size} is out of range", field="tree_size")
    if not -(2**63) <= timestamp_us < 2**63:
        raise InputError(f"timestamp_us {timestamp_us} is out of range", field="timestamp_us")
    return STH_CONTEXT + _STH_LAYOUT.pack(tree_size, root_hash, timestamp_us)


def sign_tree_head(
    key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, issued_at: datetime
) -> SignedTreeHead:
    """Sign ``(tree_size, root_hash, issued_at)``."""
    stamp = timestamp_us(issued_at)
    signature = key.sign(tree_head_message(tree_size, root_hash, stamp))
    return SignedTreeHead(tree_size, root_hash, stamp, signature, key_id(key))


def verify_tree_head(head: SignedTreeHead, public_key: Ed25519PublicKey) -> bool:
    """True if ``head`` carries a valid signature by ``public_key``."""
    try:
        public_key.verify(head.signature, head.message())
    except (InvalidSignature, InputError):
        return False
    return True
