"""The Merkle tree of RFC 6962 §2.1 / RFC 9162 §2.1, with inclusion and consistency proofs.

Hashing (RFC 9162 §2.1.1): a leaf is ``SHA-256(0x00 ‖ data)``, an interior node is
``SHA-256(0x01 ‖ left ‖ right)``, and the empty tree hashes to ``SHA-256("")``. The prefixes
stop a leaf from being passed off as an interior node (a second preimage). A tree of ``n > 1``
leaves splits at ``k``, the largest power of two smaller than ``n``: the left subtree holds
leaves ``[0, k)`` and is always complete, the right holds ``[k, n)``.

Storage. :class:`MerkleTree` keeps every *complete* subtree hash, level by level, in one
``bytearray`` per level (32 bytes a node, no Python object per node): level 0 holds the leaf
hashes, level ``h`` the hashes of the aligned blocks of ``2**h`` leaves. Appending a leaf
computes the at most ``log2(n)`` nodes it completes (one interior hash per leaf on average),
so the tree grows incrementally. Every subtree that RFC 6962 asks about is either one of
these stored nodes or a right edge made of O(log n) of them, so the root of any earlier size,
an inclusion proof and a consistency proof each cost O(log² n) hash operations at most, never
O(n). A million entries take 64 MB of node storage.

The same algorithms work over any store of complete-subtree hashes (a database table keyed by
``(level, index)``): pass a :class:`NodeReader`. :func:`nodes_needed_for_inclusion` and
:func:`nodes_needed_for_consistency` list the nodes a proof reads, so a service can fetch them
in one query.

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step and take nothing on trust
from the prover; they are checked against the transparency-dev/merkle test vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from district.core.errors import InputError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree, ``e3b0c442…b855`` (RFC 9162 §2.1.1)."""

NodeReader = Callable[[int, int], bytes]
"""``node(level, index)`` → the hash of the complete subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``."""


def hash_leaf(data: bytes) -> bytes:
    """The RFC 6962 leaf hash ``SHA-256(0x00 ‖ data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 interior-node hash ``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


class Node(NamedTuple):
    """A complete subtree: ``2**level`` leaves starting at leaf ``position * 2**level``.

    ``(level, position)`` is the key a database table of nodes uses; :data:`NodeReader`
    takes the same pair.
    """

    level: int
    position: int
    hash: bytes


def _check_size(name: str, value: int, upper: int | None = None) -> None:
    if value < 0:
        raise InputError(f"{name} is {value}; it cannot be negative", field=name, value=value)
    if upper is not None and value > upper:
        raise InputError(
            f"{name} is {value}, but the tree holds only {upper} leaves",
            field=name,
            value=value,
            fix="Ask for a size no larger than the current tree size.",
        )


def range_hash(node: NodeReader, start: int, end: int) -> bytes:
    """The Merkle tree hash of leaves ``[start, end)`` as RFC 6962 builds it.

    For the ranges the RFC recursion produces (``start`` a multiple of the subtree width) the
    left part of every split is a stored complete subtree, so this reads O(log n) nodes.
    """
    size = end - start
    if size <= 0:
        return EMPTY_ROOT
    level = size.bit_length() - 1
    if size == 1 << level and start % size == 0:
        return node(level, start >> level)
    k = split_point(size)
    return hash_children(range_hash(node, start, start + k), range_hash(node, start + k, end))


def inclusion_path(node: NodeReader, leaf_index: int, tree_size: int) -> list[bytes]:
    """The audit path PATH(m, D[0:n]) of RFC 9162 §2.1.3.1, nearest sibling first."""
    if not 0 <= leaf_index < tree_size:
        raise InputError(
            f"Leaf index {leaf_index} is not in a tree of {tree_size} leaves",
            field="leaf_index",
            value=leaf_index,
            fix=f"Use an index from 0 to {tree_size - 1}.",
        )
    path: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = split_point(end - start)
        if leaf_index < start + k:
            path.append(range_hash(node, start + k, end))
            end = start + k
        else:
            path.append(range_hash(node, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_path(node: NodeReader, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof PROOF(m, D[0:n]) of RFC 9162 §2.1.4.1.

    Empty when ``old_size`` is 0 or equals ``new_size`` (nothing to prove).
    """
    if not 0 <= old_size <= new_size:
        raise InputError(
            f"A consistency proof needs 0 <= old size <= new size; got {old_size} and {new_size}",
            field="old_size",
            value=old_size,
        )
    proof: list[bytes] = []
    if old_size in (0, new_size):
        return proof
    start, end, m = 0, new_size, old_size
    whole_old_tree = True  # the RFC's flag b: is D[start:start+m] the whole old tree?
    while True:
        size = end - start
        if m == size:
            if not whole_old_tree:
                proof.append(range_hash(node, start, end))
            break
        k = split_point(size)
        if m <= k:
            proof.append(range_hash(node, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(node, start, start + k))
            start += k
            m -= k
            whole_old_tree = False
    proof.reverse()
    return proof


def _recording_reader(seen: set[tuple[int, int]]) -> NodeReader:
    def read(level: int, index: int) -> bytes:
        seen.add((level, index))
        return bytes(HASH_SIZE)

    return read


def nodes_needed_for_inclusion(leaf_index: int, tree_size: int) -> set[tuple[int, int]]:
    """The ``(level, index)`` of every stored node an inclusion proof reads."""
    seen: set[tuple[int, int]] = set()
    inclusion_path(_recording_reader(seen), leaf_index, tree_size)
    return seen


def nodes_needed_for_consistency(old_size: int, new_size: int) -> set[tuple[int, int]]:
    """The ``(level, index)`` of every stored node a consistency proof reads."""
    seen: set[tuple[int, int]] = set()
    consistency_path(_recording_reader(seen), old_size, new_size)
    return seen


def nodes_needed_for_root(tree_size: int) -> set[tuple[int, int]]:
    """The ``(level, index)`` of the stored nodes whose fold is the root of ``tree_size``."""
    seen: set[tuple[int, int]] = set()
    range_hash(_recording_reader(seen), 0, tree_size)
    return seen


class MerkleTree:
    """An append-only RFC 6962 tree that stores every complete subtree hash.

    >>> tree = MerkleTree()
    >>> tree.append(hash_leaf(b""))
    >>> tree.root().hex()[:8]
    '6e340b9c'
    """

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleTree:
        """Build a tree from leaf hashes (already ``hash_leaf``-ed), in order."""
        tree = cls()
        tree.extend(leaf_hashes)
        return tree

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """Build a tree from raw leaf data (each is hashed with :func:`hash_leaf`)."""
        return cls.from_leaf_hashes(hash_leaf(data) for data in leaves)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Add a leaf hash."""
        self._push(leaf_hash, None)

    def append_nodes(self, leaf_hash: bytes) -> list[Node]:
        """Add a leaf hash and return the nodes it completes (the leaf itself first).

        A database-backed journal stores exactly these rows to keep proofs O(log n).
        """
        new_nodes: list[Node] = []
        self._push(leaf_hash, new_nodes)
        return new_nodes

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes."""
        for leaf_hash in leaf_hashes:
            self._push(leaf_hash, None)

    def _push(self, leaf_hash: bytes, new_nodes: list[Node] | None) -> None:
        if len(leaf_hash) != HASH_SIZE:
            raise InputError(
                f"A leaf hash is {HASH_SIZE} bytes; got {len(leaf_hash)}",
                field="leaf_hash",
                value=leaf_hash.hex(),
                fix="Pass hash_leaf(data), not the data itself.",
            )
        levels = self._levels
        index = self._size
        levels[0] += leaf_hash
        if new_nodes is not None:
            new_nodes.append(Node(0, index, bytes(leaf_hash)))
        level = 0
        current = leaf_hash
        while index & 1:
            row = levels[level]
            current = hashlib.sha256(
                NODE_PREFIX + row[(index - 1) * HASH_SIZE : index * HASH_SIZE] + current
            ).digest()
            level += 1
            index >>= 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += current
            if new_nodes is not None:
                new_nodes.append(Node(level, index, current))
        self._size += 1

    def node(self, level: int, index: int) -> bytes:
        """The stored hash of a complete subtree (a :data:`NodeReader`)."""
        if level >= len(self._levels):
            raise InputError(f"No complete subtree at level {level}", field="level", value=level)
        row = self._levels[level]
        offset = index * HASH_SIZE
        if index < 0 or offset + HASH_SIZE > len(row):
            raise InputError(
                f"No complete subtree at level {level}, index {index}",
                field="index",
                value=index,
            )
        return bytes(row[offset : offset + HASH_SIZE])

    def leaf_hash(self, leaf_index: int) -> bytes:
        """The hash of one leaf."""
        _check_size("leaf_index", leaf_index, self._size - 1)
        return self.node(0, leaf_index)

    def root(self, tree_size: int | None = None) -> bytes:
        """The tree hash of the first ``tree_size`` leaves (default: all), in O(log n)."""
        size = self._size if tree_size is None else tree_size
        _check_size("tree_size", size, self._size)
        return range_hash(self.node, 0, size)

    def inclusion_proof(self, leaf_index: int, tree_size: int | None = None) -> list[bytes]:
        """The audit path for ``leaf_index`` in the tree of ``tree_size`` leaves."""
        size = self._size if tree_size is None else tree_size
        _check_size("tree_size", size, self._size)
        return inclusion_path(self.node, leaf_index, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``new_size`` leaves extends the tree of ``old_size``."""
        size = self._size if new_size is None else new_size
        _check_size("new_size", size, self._size)
        return consistency_path(self.node, old_size, size)


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes | None:
    """The root an audit path leads to (RFC 9162 §2.1.3.2), or ``None`` if it is malformed."""
    if not 0 <= leaf_index < tree_size or len(leaf_hash) != HASH_SIZE:
        return None
    fn, sn = leaf_index, tree_size - 1
    result = leaf_hash
    for sibling in proof:
        if sn == 0 or len(sibling) != HASH_SIZE:
            return None
        if fn & 1 or fn == sn:
            result = hash_children(sibling, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = hash_children(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return None
    return result


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if ``proof`` shows the leaf ``leaf_hash`` at ``leaf_index`` under ``root``."""
    computed = root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof)
    return computed is not None and computed == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if ``proof`` shows that tree (new_size, new_root) extends (old_size, old_root).

    RFC 9162 §2.1.4.2, plus the trivial cases: an empty old tree is consistent with anything
    (and needs an empty proof); equal sizes need equal roots and an empty proof.
    """
    if old_size < 0 or old_size > new_size:
        return False
    if any(len(item) != HASH_SIZE for item in proof):
        return False
    if old_size == new_size:
        return old_root == new_root and not proof
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for item in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hash_children(item, fr)
            sr = hash_children(item, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, item)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
