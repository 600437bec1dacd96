"""The journal in the database: appends, signed tree heads, receipts, export and checks.

- :func:`append_event` writes one entry in the caller's transaction. It locks the single
  :class:`JournalHead` row first, so appends are serialized and ``seq`` has no gaps: the
  entry is canonical JSON linked to its predecessor's hash (:mod:`district.custody.journal`).
- :func:`sign_tree_head` signs the current size and Merkle root with the operator's Ed25519
  key. The key is a PEM file: the setting ``CUSTODY_SIGNING_KEY_FILE`` if given, else
  ``<DISTRICT_DATA_DIR>/custody/journal-signing-key.pem``, created (mode 0600) on first use.
  Keep a copy: tree heads signed with a lost key can still be verified with the public key
  in every export, but no new head can extend them under the same key.
- :func:`receipt_for` gives a consumer's inclusion receipt for one entry.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from district.core.errors import ConfigurationError, NotFoundError
from district.custody import journal
from district.custody.models import Contract, JournalHead, JournalRecord, Merchant, TreeHead

from .crash import crashpoint

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_key_lock = threading.Lock()
_key_cache: dict[str, Ed25519PrivateKey] = {}


# --- the operator key --------------------------------------------------------------------


def signing_key_path() -> Path:
    configured = getattr(settings, "CUSTODY_SIGNING_KEY_FILE", None)
    if configured:
        return Path(configured)
    return Path(settings.DATA_DIR) / "custody" / "journal-signing-key.pem"


def signing_key() -> Ed25519PrivateKey:
    """The operator's Ed25519 key, created on first use (see the module docstring)."""
    path = signing_key_path()
    with _key_lock:
        cached = _key_cache.get(str(path))
        if cached is not None:
            return cached
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(journal.generate_signing_key())
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)  # atomic; fails if another process won the race
            except FileExistsError:
                pass
            finally:
                temporary.unlink(missing_ok=True)
        try:
            key = journal.load_signing_key(path.read_bytes())
        except Exception as error:
            raise ConfigurationError(
                f"The journal signing key {path} cannot be read: {error}",
                fix="Restore the key file, or point CUSTODY_SIGNING_KEY_FILE at it.",
            ) from None
        _key_cache[str(path)] = key
        return key


def public_key_pem() -> bytes:
    return journal.public_key_pem(signing_key())


# --- appends -----------------------------------------------------------------------------


def _head_for_update() -> JournalHead:
    try:
        return JournalHead.objects.select_for_update(no_key=True).get(pk=1)
    except JournalHead.DoesNotExist:
        with transaction.atomic():
            JournalHead.objects.get_or_create(pk=1, defaults={"last_hash": journal.GENESIS_PREV})
        return JournalHead.objects.select_for_update(no_key=True).get(pk=1)


def append_event(
    event: Mapping[str, Any],
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
    merchant: Merchant | None = None,
) -> JournalRecord:
    """Append ``event`` (a JSON object with a ``type``) to the journal; returns the row."""
    return append_events([event], now=now, contract=contract, merchant=merchant)[0]


def append_events(
    events: Sequence[Mapping[str, Any]],
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
    merchant: Merchant | None = None,
    contracts: Sequence[Contract | None] | None = None,
) -> list[JournalRecord]:
    """Append ``events`` in order, chained, under one lock of the journal head (one INSERT
    and one head UPDATE for all of them); returns the rows. ``contracts``: each event's own
    contract (instead of ``contract`` for all)."""
    moment = now or timezone.now()
    head = _head_for_update()
    records = chain_records(
        events,
        size=int(head.size),
        last_hash=bytes(head.last_hash),
        moment=moment,
        contract=contract,
        merchant=merchant,
        contracts=contracts,
    )
    if len(records) == 1:
        records[0].save(force_insert=True)
    else:
        JournalRecord.objects.bulk_create(records)
    JournalHead.objects.filter(pk=1).update(**head_update_values(records))
    crashpoint("journal.after_append")
    return records


def chain_records(
    events: Sequence[Mapping[str, Any]],
    *,
    size: int,
    last_hash: bytes,
    moment: datetime,
    contract: Contract | None = None,
    merchant: Merchant | None = None,
    contracts: Sequence[Contract | None] | None = None,
) -> list[JournalRecord]:
    """The unsaved rows of ``events`` appended, in order, to a journal of ``size`` entries
    whose last hash is ``last_hash`` (read under the journal head's lock). The caller saves
    them and moves the head to the last one (:func:`head_update_values`). ``contracts``:
    each event's own contract (instead of ``contract`` for all); the owner is ``merchant``
    or else the contract's merchant."""
    if contracts is not None and len(contracts) != len(events):
        raise ValueError(f"{len(events)} events but {len(contracts)} contracts")
    records = []
    for position, event in enumerate(events):
        own = contracts[position] if contracts is not None else contract
        entry = journal.make_entry(size, last_hash, moment, event)
        records.append(
            JournalRecord(
                seq=entry.seq,
                entry=entry.data,
                entry_hash=entry.hash,
                event_type=str(event.get("type", "")),
                recorded_at=moment,
                contract=own,
                merchant=merchant or (own.merchant if own is not None else None),
            )
        )
        size, last_hash = entry.seq + 1, entry.hash
    return records


def head_update_values(records: Sequence[JournalRecord]) -> dict[str, Any]:
    """The journal head's fields after ``records`` (the last appended)."""
    last = records[-1]
    return {"size": last.seq + 1, "last_hash": last.entry_hash}


def head_state_sql(*, lock: str) -> str:
    """The journal head's size and last hash, as the first two columns of a SELECT."""
    return f"SELECT size, last_hash FROM {JournalHead._meta.db_table} WHERE id = 1{lock}"


def ensure_head() -> None:
    """Create the journal head row if the database has none yet (a fresh journal)."""
    if not JournalHead.objects.filter(pk=1).exists():
        with transaction.atomic():
            JournalHead.objects.get_or_create(pk=1, defaults={"last_hash": journal.GENESIS_PREV})


# --- the tree ----------------------------------------------------------------------------


def journal_size() -> int:
    head = JournalHead.objects.filter(pk=1).first()
    return int(head.size) if head is not None else 0


def merkle_tree(size: int | None = None) -> journal.MerkleTree:
    """The Merkle tree over the first ``size`` entries (all when None)."""
    rows = JournalRecord.objects.order_by("seq").values_list("entry_hash", flat=True)
    if size is not None:
        rows = rows.filter(seq__lt=size)
    return journal.MerkleTree.from_leaf_hashes(bytes(value) for value in rows.iterator())


def _as_signed(head: TreeHead) -> journal.SignedTreeHead:
    return journal.SignedTreeHead(
        int(head.tree_size),
        bytes(head.root_hash),
        int(head.timestamp_us),
        bytes(head.signature),
        head.key_id,
    )


def sign_tree_head(*, now: datetime | None = None) -> journal.SignedTreeHead:
    """A signed head covering the journal's current size (signed now if none does yet).

    The root is computed without a lock (entries below the size never change); signing then
    locks the journal head row briefly, so heads are stored in increasing size *and* time,
    as the verifier requires, even when two processes sign at once.
    """
    size = journal_size()
    existing = TreeHead.objects.filter(tree_size__gte=size).order_by("tree_size").first()
    if existing is not None:
        return _as_signed(existing)
    root = merkle_tree(size).root()
    with transaction.atomic():
        _head_for_update()
        latest = TreeHead.objects.order_by("-tree_size").first()
        if latest is not None and latest.tree_size >= size:
            return _as_signed(latest)
        moment = now or timezone.now()
        if latest is not None and journal.timestamp_us(moment) <= latest.timestamp_us:
            moment = EPOCH + timedelta(microseconds=int(latest.timestamp_us) + 1)
        signed = journal.sign_tree_head(signing_key(), size, root, moment)
        TreeHead.objects.create(
            tree_size=signed.tree_size,
            root_hash=signed.root_hash,
            timestamp_us=signed.timestamp_us,
            signature=signed.signature,
            key_id=signed.key_id,
            created_at=timezone.now(),
        )
    return signed


def latest_tree_head() -> journal.SignedTreeHead | None:
    head = TreeHead.objects.order_by("-tree_size").first()
    return _as_signed(head) if head is not None else None


def tree_heads() -> list[journal.SignedTreeHead]:
    return [_as_signed(head) for head in TreeHead.objects.order_by("tree_size")]


def receipts_for_records(records: list[JournalRecord]) -> list[journal.Receipt]:
    """Inclusion receipts for ``records`` against a signed head that covers them all."""
    if not records:
        return []
    needed = max(int(record.seq) for record in records) + 1
    latest = latest_tree_head()
    head = latest if latest is not None and latest.tree_size >= needed else sign_tree_head()
    tree = merkle_tree(head.tree_size)
    pem = public_key_pem()
    return [
        journal.make_receipt(
            bytes(record.entry),
            int(record.seq),
            tree.inclusion_proof(int(record.seq), head.tree_size),
            head,
            pem,
        )
        for record in records
    ]


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    """RFC 6962 consistency proof between two tree sizes."""
    size = journal_size()
    if not 0 <= old_size <= new_size <= size:
        raise NotFoundError(
            f"Sizes {old_size} and {new_size} are not within the journal of {size} entries",
            field="new_size",
            value=new_size,
        )
    return merkle_tree(new_size).consistency_proof(old_size, new_size)


def entries() -> Iterator[bytes]:
    for value in JournalRecord.objects.order_by("seq").values_list("entry", flat=True).iterator():
        yield bytes(value)


def export(out: str | Path, *, overwrite: bool = False) -> journal.ExportSummary:
    """Sign a head for the current size and write the export folder."""
    sign_tree_head()
    return journal.export_journal(
        out, entries(), tree_heads(), public_key_pem(), overwrite=overwrite
    )


def chain_problems() -> list[str]:
    """Everything wrong with the stored journal: chain, hashes, head row, tree heads."""
    problems: list[str] = []
    expected_seq = 0
    previous = journal.GENESIS_PREV
    for seq, data, stored_hash in (
        JournalRecord.objects.order_by("seq").values_list("seq", "entry", "entry_hash").iterator()
    ):
        data, stored_hash = bytes(data), bytes(stored_hash)
        if seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next stored entry is {seq})")
            expected_seq = seq
        actual = journal.hash_leaf(data)
        if actual != stored_hash:
            problems.append(f"entry {seq}: its bytes do not hash to the stored entry_hash")
        try:
            entry = journal.parse_entry(data, entry_hash=actual)
        except Exception as error:
            problems.append(f"entry {seq}: not a journal entry ({error})")
        else:
            if entry.seq != seq:
                problems.append(f"entry {seq}: its bytes say seq {entry.seq}")
            if entry.prev_hash != previous:
                problems.append(f"entry {seq}: prev does not match the hash of entry {seq - 1}")
        previous = actual
        expected_seq += 1
    head = JournalHead.objects.filter(pk=1).first()
    size = int(head.size) if head else 0
    if size != expected_seq:
        problems.append(f"the journal head says {size} entries; {expected_seq} are stored")
    elif head is not None and bytes(head.last_hash) != previous:
        problems.append("the journal head's last_hash is not the hash of the last entry")
    if TreeHead.objects.exists():
        report = journal.verify_journal(entries(), tree_heads(), public_key_pem())
        problems.extend(problem.message for problem in report.problems)
    return problems
