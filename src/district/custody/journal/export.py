"""Export the journal to a folder and verify such a folder offline.

These are the library calls behind ``district custody export-journal OUT`` and
``district custody verify OUT``.

The export is a **folder** of plain files that standard tools can read (``jq``,
``sha256sum``, ``openssl``), so the notary or the bureau can check it without our code:

``entries.jsonl``
    One entry per line, exactly its canonical bytes (:mod:`.chain`), then ``\\n``. The hash
    of entry ``seq`` is ``SHA-256(0x00 ‖ line without its newline)``.
``tree_heads.jsonl``
    One signed tree head per line, oldest first, as canonical JSON
    ``{"key_id", "root_hash", "signature", "timestamp_us", "tree_size"}`` (hex strings; the
    signed bytes are described in :mod:`.signing`).
``public_key.pem``
    The operator's Ed25519 public key (SubjectPublicKeyInfo PEM).
``manifest.json``
    Format name and version, counts, the key id, the final root and entry hash, and the
    SHA-256 of the three files above. Informative: the verifier reports a manifest that
    disagrees with the files, but trusts only the entries, the heads and the key.

:func:`verify_export` recomputes everything: each line's shape, the hash chain (seq and
prev), every head's signature, their order, and the Merkle root at every head's size; and it
checks *anchors*, heads the caller obtained elsewhere (the notary's or a witness's copy). It
names the **first bad entry** and what happened to it: ``altered``, ``removed``,
``reordered``, ``inserted``, ``malformed``, ``rewritten`` (the chain was recomputed, so only a
signed root catches it) or ``truncated`` (the tail is shorter than a signed head says).
Only anchors catch an operator who rewrites history and re-signs it with its own key.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from district.core.errors import DataFileError, InputError

from .canonical import canonical_json
from .chain import GENESIS_PREV, parse_entry
from .merkle import HASH_SIZE, MerkleTree, hash_leaf
from .signing import SignedTreeHead, key_id, load_public_key, verify_tree_head

EXPORT_FORMAT = "district-custody-journal"
EXPORT_VERSION = 1
ENTRIES_FILE = "entries.jsonl"
TREE_HEADS_FILE = "tree_heads.jsonl"
PUBLIC_KEY_FILE = "public_key.pem"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export_journal` wrote."""

    path: Path
    entry_count: int
    tree_head_count: int
    root_hash: bytes
    last_entry_hash: bytes
    key_id: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a journal.

    ``kind`` is one of ``malformed``, ``altered``, ``removed``, ``reordered``, ``inserted``,
    ``rewritten``, ``truncated`` (entry problems) or ``bad_signature``, ``key_mismatch``,
    ``tree_head_order``, ``manifest``. ``line`` is 1-based in ``entries.jsonl``; ``seq`` is
    the sequence number of the first entry concerned; ``tree_size`` names the tree head.
    """

    kind: str
    message: str
    line: int | None = None
    seq: int | None = None
    tree_size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "message": self.message,
            "line": self.line,
            "seq": self.seq,
            "tree_size": self.tree_size,
        }


@dataclass(frozen=True)
class VerificationReport:
    """The outcome of verifying a journal: intact, or the first bad entry and all problems."""

    intact: bool
    entry_count: int
    root_hash: bytes
    signed_size: int
    tree_head_count: int
    anchor_count: int
    key_id: str
    first_bad: Problem | None
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """One paragraph for a person."""
        if self.intact:
            text = (
                f"Intact: {self.entry_count} entries, root {self.root_hash.hex()}, "
                f"{self.tree_head_count} signed heads (largest size {self.signed_size}), "
                f"{self.anchor_count} anchors checked."
            )
        else:
            first = self.first_bad or self.problems[0]
            text = f"NOT intact ({len(self.problems)} problems). First: {first.message}"
        return " ".join([text, *self.notes])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for ``--json``)."""
        return {
            "intact": self.intact,
            "entry_count": self.entry_count,
            "root_hash": self.root_hash.hex(),
            "signed_size": self.signed_size,
            "tree_head_count": self.tree_head_count,
            "anchor_count": self.anchor_count,
            "key_id": self.key_id,
            "first_bad": self.first_bad.to_dict() if self.first_bad else None,
            "problems": [problem.to_dict() for problem in self.problems],
            "notes": list(self.notes),
        }


def export_journal(
    out_dir: str | Path,
    entries: Iterable[bytes],
    tree_heads: Iterable[SignedTreeHead],
    public_key_pem: bytes,
    *,
    overwrite: bool = False,
) -> ExportSummary:
    """Write the export folder described in the module docstring and return a summary.

    ``entries`` are the canonical entry bytes in ``seq`` order (streamed, so a million entries
    need not sit in memory). The folder is created; an existing non-empty folder is refused
    unless ``overwrite``. Entries are written as they are, even if broken: an export is
    evidence, and the verifier is what judges it.
    """
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"{folder} exists and is not a folder",
            field="out",
            value=str(folder),
            fix="Give a new folder name.",
        )
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise InputError(
            f"The folder {folder} is not empty",
            field="out",
            value=str(folder),
            fix="Choose an empty or new folder, or pass overwrite=True (--force).",
        )
    public_key = load_public_key(public_key_pem)
    folder.mkdir(parents=True, exist_ok=True)
    tree = MerkleTree()
    entries_digest = hashlib.sha256()
    with (folder / ENTRIES_FILE).open("wb") as handle:
        for position, data in enumerate(entries):
            if b"\n" in data or b"\r" in data:
                raise InputError(
                    f"Entry {position} contains a line break, so it is not canonical JSON",
                    field="entries",
                    value=position,
                )
            line = bytes(data) + b"\n"
            handle.write(line)
            entries_digest.update(line)
            tree.append(hash_leaf(data))
    heads = list(tree_heads)
    heads_bytes = b"".join(canonical_json(head.to_dict()) + b"\n" for head in heads)
    (folder / TREE_HEADS_FILE).write_bytes(heads_bytes)
    (folder / PUBLIC_KEY_FILE).write_bytes(public_key_pem)
    root = tree.root()
    last_hash = tree.leaf_hash(tree.size - 1) if tree.size else GENESIS_PREV
    manifest = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "entry_count": tree.size,
        "tree_head_count": len(heads),
        "key_id": key_id(public_key),
        "root_hash": root.hex(),
        "last_entry_hash": last_hash.hex(),
        "hashes": "entry hash = SHA-256(0x00 || line); Merkle tree as RFC 6962 / RFC 9162",
        "files": {
            ENTRIES_FILE: entries_digest.hexdigest(),
            TREE_HEADS_FILE: hashlib.sha256(heads_bytes).hexdigest(),
            PUBLIC_KEY_FILE: hashlib.sha256(public_key_pem).hexdigest(),
        },
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return ExportSummary(folder, tree.size, len(heads), root, last_hash, key_id(public_key))


def _read_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        for raw in handle:
            yield raw[:-1] if raw.endswith(b"\n") else raw


def read_tree_heads(path: str | Path) -> list[SignedTreeHead]:
    """Read a ``tree_heads.jsonl`` file (also the format for a file of anchors)."""
    heads: list[SignedTreeHead] = []
    source = Path(path)
    for number, line in enumerate(_read_lines(source), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            heads.append(SignedTreeHead.from_dict(data, where=f"tree head on line {number}"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise DataFileError(
                f"not JSON: {error}", path=source, row=number, fix="One JSON object per line."
            ) from None
        except InputError as error:
            raise DataFileError(error.message, path=source, row=number, field=error.field) from None
    return heads


def verify_export(
    path: str | Path,
    *,
    trusted_public_key_pem: bytes | None = None,
    anchors: Sequence[SignedTreeHead] = (),
) -> VerificationReport:
    """Verify an export folder offline (see the module docstring).

    ``trusted_public_key_pem`` pins the operator key (else the folder's own key is used);
    ``anchors`` are tree heads obtained outside the folder, e.g. the notary's copy.
    Raises :class:`DataFileError` only when the folder cannot be read at all.
    """
    folder = Path(path)
    for name in (ENTRIES_FILE, TREE_HEADS_FILE, PUBLIC_KEY_FILE):
        if not (folder / name).is_file():
            raise DataFileError(
                f"missing {name}",
                path=folder,
                fix="Point at a folder written by `district custody export-journal`.",
            )
    heads = read_tree_heads(folder / TREE_HEADS_FILE)
    public_key_pem = (folder / PUBLIC_KEY_FILE).read_bytes()
    report = verify_journal(
        _read_lines(folder / ENTRIES_FILE),
        heads,
        public_key_pem,
        trusted_public_key_pem=trusted_public_key_pem,
        anchors=anchors,
    )
    manifest_problems = _check_manifest(folder, report)
    if not manifest_problems:
        return report
    problems = report.problems + tuple(manifest_problems)
    return VerificationReport(
        False,
        report.entry_count,
        report.root_hash,
        report.signed_size,
        report.tree_head_count,
        report.anchor_count,
        report.key_id,
        report.first_bad,
        problems,
        report.notes,
    )


def _check_manifest(folder: Path, report: VerificationReport) -> list[Problem]:
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        return [Problem("manifest", f"{MANIFEST_FILE} is missing")]
    try:
        manifest = json.loads(manifest_path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return [Problem("manifest", f"{MANIFEST_FILE} is not JSON: {error}")]
    if not isinstance(manifest, dict):
        return [Problem("manifest", f"{MANIFEST_FILE} is not a JSON object")]
    problems: list[Problem] = []
    if manifest.get("format") != EXPORT_FORMAT or manifest.get("version") != EXPORT_VERSION:
        problems.append(
            Problem(
                "manifest",
                f"{MANIFEST_FILE} names format {manifest.get('format')!r} version "
                f"{manifest.get('version')!r}; this verifier reads "
                f"{EXPORT_FORMAT} {EXPORT_VERSION}",
            )
        )
    expected = {
        "entry_count": report.entry_count,
        "tree_head_count": report.tree_head_count,
        "root_hash": report.root_hash.hex(),
        "key_id": report.key_id,
    }
    for name, actual in expected.items():
        if manifest.get(name) != actual:
            problems.append(
                Problem(
                    "manifest",
                    f"{MANIFEST_FILE} says {name} = {manifest.get(name)!r}, "
                    f"the files give {actual!r}",
                )
            )
    return problems


@dataclass
class _Scan:
    """What one pass over the entries keeps: hashes (in the tree), seqs and prevs."""

    tree: MerkleTree = field(default_factory=MerkleTree)
    seqs: array[int] = field(default_factory=lambda: array("q"))
    prevs: bytearray = field(default_factory=bytearray)
    malformed: dict[int, str] = field(default_factory=dict)
    first_break: int | None = None
    later_breaks: int = 0


def _scan(entries: Iterable[bytes]) -> _Scan:
    scan = _Scan()
    previous_hash = GENESIS_PREV
    previous_seq = -1
    for position, data in enumerate(entries):
        leaf = hash_leaf(data)
        scan.tree.append(leaf)
        try:
            entry = parse_entry(data, entry_hash=leaf)
            seq, prev = entry.seq, entry.prev_hash
        except InputError as error:
            scan.malformed[position] = error.message
            seq, prev = -1, bytes(HASH_SIZE)
        scan.seqs.append(seq)
        scan.prevs += prev
        broken = seq < 0 or prev != previous_hash or seq != previous_seq + 1
        if broken:
            if scan.first_break is None:
                scan.first_break = position
            else:
                scan.later_breaks += 1
        previous_hash, previous_seq = leaf, seq
    return scan


def _entries(first: int, last: int) -> str:
    """``entry 5 was`` or ``entries 5 to 7 were`` (sequence numbers)."""
    return f"entry {first} was" if first == last else f"entries {first} to {last} were"


def _lines(first: int, last: int) -> str:
    """``Line 5 is`` or ``Lines 5 to 7 are`` (1-based numbers)."""
    return f"Line {first} is" if first == last else f"Lines {first} to {last} are"


def _diagnose(scan: _Scan, b: int) -> Problem:
    """Say what happened at the first chain break, line ``b`` (0-based)."""
    count = scan.tree.size
    line = b + 1
    if b in scan.malformed:
        return Problem(
            "malformed", f"Line {line} is not a valid entry: {scan.malformed[b]}", line=line, seq=b
        )
    seq_b = scan.seqs[b]
    prev_b = bytes(scan.prevs[b * HASH_SIZE : (b + 1) * HASH_SIZE])
    hash_b = scan.tree.leaf_hash(b)
    expected_prev = scan.tree.leaf_hash(b - 1) if b else GENESIS_PREV
    first_position: dict[bytes, int] = {}
    for position in range(count):
        first_position.setdefault(scan.tree.leaf_hash(position), position)
    twin = first_position[hash_b]
    if twin != b:
        return Problem(
            "inserted",
            f"Line {line} is a copy of line {twin + 1} (entry seq {seq_b}) inserted again",
            line=line,
            seq=seq_b,
        )
    predecessor = first_position.get(prev_b)
    if predecessor is not None and predecessor > b:
        return Problem(
            "reordered",
            f"Line {line} (entry seq {seq_b}) comes before the entry it follows in the chain, "
            f"line {predecessor + 1} (seq {scan.seqs[predecessor]}): entries were reordered",
            line=line,
            seq=min(seq_b, scan.seqs[predecessor]),
        )
    if predecessor is not None and predecessor < b - 1:
        first = predecessor + 1
        return Problem(
            "inserted",
            f"{_lines(first + 1, b)} not in the chain: line {line} (seq {seq_b}) follows "
            f"line {predecessor + 1} directly, so what lies between was inserted",
            line=first + 1,
            seq=scan.seqs[first] if scan.seqs[first] >= 0 else None,
        )
    successor = None
    for position in range(b + 1, count):
        if scan.prevs[position * HASH_SIZE : (position + 1) * HASH_SIZE] == expected_prev:
            successor = position
            break
    if successor is not None:
        return Problem(
            "inserted",
            f"{_lines(line, successor)} not in the chain: line {successor + 1} "
            f"(seq {scan.seqs[successor]}) follows line {b} directly, so what lies between "
            f"was inserted",
            line=line,
            seq=seq_b,
        )
    if prev_b == expected_prev:
        return Problem(
            "altered",
            f"Line {line} has seq {seq_b} where seq {b} belongs; its sequence number was changed",
            line=line,
            seq=b,
        )
    if seq_b > b:
        missing = f"entry {b}" if seq_b == b + 1 else f"entries {b} to {seq_b - 1}"
        where = f"jumps from seq {b - 1}" if b else "starts"
        return Problem(
            "removed",
            f"The journal {where} to seq {seq_b} at line {line}: {missing} removed",
            line=line,
            seq=b,
        )
    if b == 0:
        return Problem(
            "altered",
            "Line 1 does not start the chain (its prev is not 64 zeros): the first entry was "
            "changed",
            line=1,
            seq=0,
        )
    if b + 1 < count and bytes(scan.prevs[(b + 1) * HASH_SIZE : (b + 2) * HASH_SIZE]) != hash_b:
        # Both of entry b's links are broken: its own prev was changed (a change in entry
        # b - 1 would break only the link into b).
        return Problem(
            "altered",
            f"Entry seq {seq_b} (line {line}) was altered: its prev no longer names line {b}, "
            f"and line {line + 1} no longer names it",
            line=line,
            seq=seq_b,
        )
    return Problem(
        "altered",
        f"Entry seq {b - 1} (line {b}) was altered: its hash no longer matches the prev that "
        f"entry seq {seq_b} (line {line}) records",
        line=b,
        seq=b - 1,
    )


def verify_journal(
    entries: Iterable[bytes],
    tree_heads: Sequence[SignedTreeHead],
    public_key_pem: bytes,
    *,
    trusted_public_key_pem: bytes | None = None,
    anchors: Sequence[SignedTreeHead] = (),
) -> VerificationReport:
    """Verify entries (canonical bytes, in order) against signed tree heads and anchors.

    The pure core of :func:`verify_export`; one streaming pass plus O(log n) per head.
    """
    problems: list[Problem] = []
    notes: list[str] = []
    public_key = load_public_key(public_key_pem)
    if trusted_public_key_pem is not None:
        trusted = load_public_key(trusted_public_key_pem)
        if key_id(trusted) != key_id(public_key):
            problems.append(
                Problem(
                    "key_mismatch",
                    f"The journal's key {key_id(public_key)[:16]}… is not the trusted key "
                    f"{key_id(trusted)[:16]}…; its tree heads are checked against the trusted key",
                )
            )
            public_key = trusted
    scan = _scan(entries)
    count = scan.tree.size
    chain_problem = None
    if scan.first_break is not None:
        chain_problem = _diagnose(scan, scan.first_break)
        problems.append(chain_problem)
        if scan.later_breaks:
            notes.append(f"The chain breaks at {scan.later_breaks} more lines after that.")

    matched: list[int] = []
    mismatched: list[tuple[int, str]] = []
    truncation: Problem | None = None
    signed_size = 0
    claimed_size = 0
    labelled = [(f"tree head {n}", head) for n, head in enumerate(tree_heads, start=1)]
    labelled += [(f"anchor {n}", head) for n, head in enumerate(anchors, start=1)]
    previous: SignedTreeHead | None = None
    for label, head in labelled:
        when = head.issued_at.isoformat()
        if head.key_id != key_id(public_key) or not verify_tree_head(head, public_key):
            problems.append(
                Problem(
                    "bad_signature",
                    f"The {label} (size {head.tree_size}, {when}) is not validly signed by key "
                    f"{key_id(public_key)[:16]}…",
                    tree_size=head.tree_size,
                )
            )
            continue
        if label.startswith("tree head"):
            if previous is not None and (
                head.tree_size < previous.tree_size or head.timestamp_us <= previous.timestamp_us
            ):
                problems.append(
                    Problem(
                        "tree_head_order",
                        f"The {label} (size {head.tree_size}, {when}) does not follow the one "
                        f"before (size {previous.tree_size}, {previous.issued_at.isoformat()}): "
                        f"heads must grow in size and time",
                        tree_size=head.tree_size,
                    )
                )
            previous = head
        claimed_size = max(claimed_size, head.tree_size)
        if head.tree_size > count:
            if truncation is None or head.tree_size > (truncation.tree_size or 0):
                truncation = Problem(
                    "truncated",
                    f"The {label} (signed {when}) covers {head.tree_size} entries but the "
                    f"journal holds {count}: {_entries(count, head.tree_size - 1)} cut from "
                    f"the tail",
                    line=count + 1,
                    seq=count,
                    tree_size=head.tree_size,
                )
        elif scan.tree.root(head.tree_size) != head.root_hash:
            mismatched.append((head.tree_size, f"{label} ({when})"))
        else:
            matched.append(head.tree_size)
            signed_size = max(signed_size, head.tree_size)

    rewrite: Problem | None = None
    if mismatched:
        high, label = min(mismatched)
        low = max([size for size in matched if size < high], default=0)
        rewrite = Problem(
            "rewritten",
            f"The entries no longer hash to the root signed in {label} for size {high}; "
            f"the first changed entry lies between seq {low} and seq {high - 1}"
            + ("" if low == 0 else f" (the head for size {low} still matches)")
            + f"; {len(mismatched)} of the signed heads disagree",
            line=low + 1,
            seq=low,
            tree_size=high,
        )
        problems.append(rewrite)
    if truncation is not None:
        problems.append(truncation)

    first_bad: Problem | None = None
    if chain_problem is not None and (
        rewrite is None or (chain_problem.seq or 0) < (rewrite.tree_size or 0)
    ):
        first_bad = chain_problem
    elif rewrite is not None:
        first_bad = rewrite
    elif truncation is not None:
        first_bad = truncation

    if count > claimed_size:
        notes.append(
            f"{_entries(claimed_size, count - 1).capitalize()} appended after the newest "
            f"signed head, so only the hash chain covers the tail."
        )
    if not anchors:
        notes.append(
            "No anchors were given: a journal rewritten and re-signed with the operator's own "
            "key would pass; check it against tree heads the notary or the bureau holds."
        )
    return VerificationReport(
        intact=not problems,
        entry_count=count,
        root_hash=scan.tree.root(),
        signed_size=signed_size,
        tree_head_count=len(tree_heads),
        anchor_count=len(anchors),
        key_id=key_id(public_key),
        first_bad=first_bad,
        problems=tuple(problems),
        notes=tuple(notes),
    )
