"""Tests of the custody journal: RFC 6962 vectors, proofs against a naive tree, tampering.

The Merkle vectors are the test data of transparency-dev/merkle (Apache-2.0; the Certificate
Transparency Go implementation), files ``rfc6962/rfc6962_test.go`` and
``proof/verify_test.go``. The journal events are synthetic, made up for the tests.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from district.core.errors import ConfigurationError, InputError
from district.custody.journal import (
    EMPTY_ROOT,
    GENESIS_PREV,
    Journal,
    MerkleTree,
    Receipt,
    SignedTreeHead,
    canonical_json,
    consistency_path,
    export_journal,
    generate_signing_key,
    hash_children,
    hash_leaf,
    inclusion_path,
    key_id,
    load_public_key,
    load_signing_key,
    make_entry,
    make_receipt,
    nodes_needed_for_consistency,
    nodes_needed_for_inclusion,
    nodes_needed_for_root,
    parse_entry,
    public_key_pem,
    read_tree_heads,
    root_from_inclusion_proof,
    sign_tree_head,
    verify_consistency,
    verify_export,
    verify_inclusion,
    verify_journal,
    verify_receipt,
    verify_tree_head,
)
from district.custody.journal.signing import tree_head_message

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=CST)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- RFC 6962 test vectors (transparency-dev/merkle) ----------------------------------------

VECTOR_LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
VECTOR_ROOTS = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]
# (leaf number counted from 1, tree size, audit path)
VECTOR_INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (3, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        2,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
VECTOR_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def test_rfc6962_hasher_vectors() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert hash_leaf(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert hash_leaf(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert hash_children(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    assert MerkleTree().root() == EMPTY_ROOT


def test_roots_of_the_vector_tree_for_every_size() -> None:
    tree = MerkleTree.from_leaves(VECTOR_LEAVES)
    for size, expected in enumerate(VECTOR_ROOTS, start=1):
        assert tree.root(size) == expected


@pytest.mark.parametrize(("leaf", "size", "path"), VECTOR_INCLUSION)
def test_inclusion_vectors(leaf: int, size: int, path: list[bytes]) -> None:
    tree = MerkleTree.from_leaves(VECTOR_LEAVES)
    assert tree.inclusion_proof(leaf - 1, size) == path
    leaf_hash = hash_leaf(VECTOR_LEAVES[leaf - 1])
    root = VECTOR_ROOTS[size - 1]
    assert root_from_inclusion_proof(leaf - 1, size, leaf_hash, path) == root
    assert verify_inclusion(leaf - 1, size, leaf_hash, path, root)
    # The corruptions of verify_test.go: every one must fail.
    index = leaf - 1
    probes = [
        (index - 1, size, leaf_hash, path, root),
        (index + 1, size, leaf_hash, path, root),
        (index ^ 2, size, leaf_hash, path, root),
        (index, size * 2, leaf_hash, path, root),
        (index, size // 2, leaf_hash, path, root),
        (index, size, b"WrongLeaf", path, root),
        (index, size, leaf_hash, path, EMPTY_ROOT),
        (index, size, leaf_hash, path, SOME_HASH),
        (index, size, leaf_hash, [*path, b""], root),
        (index, size, leaf_hash, [*path, root], root),
        (index, size, leaf_hash, [b"", *path], root),
        (index, size, leaf_hash, [root, *path], root),
    ]
    for position in range(len(path)):
        flipped = list(path)
        flipped[position] = bytes([path[position][0] ^ 8]) + path[position][1:]
        probes.append((index, size, leaf_hash, flipped, root))
    if path:
        probes.append((index, size, leaf_hash, path[:-1], root))
    if len(path) > 1:
        probes.append((index, size, leaf_hash, [path[0], SOME_HASH, *path[1:]], root))
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("old", "new", "proof"), VECTOR_CONSISTENCY)
def test_consistency_vectors(old: int, new: int, proof: list[bytes]) -> None:
    tree = MerkleTree.from_leaves(VECTOR_LEAVES)
    assert tree.consistency_proof(old, new) == proof
    old_root, new_root = VECTOR_ROOTS[old - 1], VECTOR_ROOTS[new - 1]
    assert verify_consistency(old, new, old_root, new_root, proof)
    if not proof:
        return
    probes = [
        (old - 1, new, old_root, new_root, proof),
        (old + 1, new, old_root, new_root, proof),
        (old ^ 2, new, old_root, new_root, proof),
        (old, new * 2, old_root, new_root, proof),
        (old, new // 2, old_root, new_root, proof),
        (old, new, b"WrongRoot", new_root, proof),
        (old, new, old_root, b"WrongRoot", proof),
        (old, new, new_root, old_root, proof),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*proof, b""]),
        (old, new, old_root, new_root, [*proof, old_root]),
        (old, new, old_root, new_root, [*proof, new_root]),
        (old, new, old_root, new_root, [b"", *proof]),
        (old, new, old_root, new_root, [old_root, *proof]),
        (old, new, old_root, new_root, [new_root, *proof]),
        (old, new, old_root, new_root, [proof[0], *proof]),
        (old, new, old_root, new_root, proof[:-1]),
    ]
    for position in range(len(proof)):
        flipped = list(proof)
        flipped[position] = bytes([proof[position][0] ^ 16]) + proof[position][1:]
        probes.append((old, new, old_root, new_root, flipped))
    for probe in probes:
        assert not verify_consistency(*probe), probe


def test_consistency_trivial_cases_from_verify_test() -> None:
    root1, root2 = b"don't care 1", b"don't care 2"
    cases = [
        (0, 0, root1, root2, [], False),
        (1, 1, root1, root2, [], False),
        (0, 0, root1, root1, [], True),
        (0, 1, root1, root2, [], True),
        (1, 1, root2, root2, [], True),
        (1, 0, root1, root2, [], False),
        (2, 1, root1, root2, [], False),
        (1, 2, root1, root2, [], False),
        (0, 0, EMPTY_ROOT, root2, [], False),
        (1, 1, EMPTY_ROOT, root2, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    ]
    for old, new, old_root, new_root, proof, expected in cases:
        assert verify_consistency(old, new, old_root, new_root, proof) is expected


def test_single_entry_tree_root_is_its_leaf_hash() -> None:
    leaf = hash_leaf(b"data")
    assert verify_inclusion(0, 1, leaf, [], leaf)
    assert not verify_inclusion(0, 1, b"", [], leaf)
    assert not verify_inclusion(0, 1, leaf, [], b"")
    for index, size in [(0, 0), (1, 0), (2, 1)]:
        assert not verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)


# --- against a naive implementation of RFC 9162 §2.1, sizes 1..64 ----------------------------


def naive_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return hash_leaf(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hash_children(naive_root(leaves[:k]), naive_root(leaves[k:]))


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_root(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_root(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_root(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole), naive_root(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_root(leaves[:k])]


LEAVES_64 = [f"leaf {i}".encode() for i in range(64)]
TREE_64 = MerkleTree.from_leaves(LEAVES_64)


def test_roots_match_naive_for_sizes_1_to_64() -> None:
    for size in range(0, 65):
        assert TREE_64.root(size) == naive_root(LEAVES_64[:size])


def test_inclusion_proofs_match_naive_for_every_leaf_and_size() -> None:
    for size in range(1, 65):
        root = TREE_64.root(size)
        for index in range(size):
            proof = TREE_64.inclusion_proof(index, size)
            assert proof == naive_path(index, LEAVES_64[:size])
            assert verify_inclusion(index, size, hash_leaf(LEAVES_64[index]), proof, root)
            other = hash_leaf(LEAVES_64[(index + 1) % 64])
            assert not verify_inclusion(index, size, other, proof, root)


def test_consistency_proofs_match_naive_for_every_pair_of_sizes() -> None:
    for new in range(1, 65):
        new_root = TREE_64.root(new)
        for old in range(1, new + 1):
            proof = TREE_64.consistency_proof(old, new)
            expected = [] if old == new else naive_subproof(old, LEAVES_64[:new], True)
            assert proof == expected
            old_root = TREE_64.root(old)
            assert verify_consistency(old, new, old_root, new_root, proof)
            if old < new:
                assert not verify_consistency(old, new, TREE_64.root(old - 1), new_root, proof)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_consistency_holds_for_random_sizes_up_to_2000(data: st.DataObject) -> None:
    new = data.draw(st.integers(min_value=1, max_value=2000))
    old = data.draw(st.integers(min_value=1, max_value=new))
    proof = TREE_2000.consistency_proof(old, new)
    assert verify_consistency(old, new, TREE_2000.root(old), TREE_2000.root(new), proof)
    index = data.draw(st.integers(min_value=0, max_value=new - 1))
    path = TREE_2000.inclusion_proof(index, new)
    assert verify_inclusion(index, new, TREE_2000.leaf_hash(index), path, TREE_2000.root(new))
    if old < new:
        forged = hash_children(TREE_2000.root(old), SOME_HASH)
        assert not verify_consistency(old, new, forged, TREE_2000.root(new), proof)


TREE_2000 = MerkleTree.from_leaves(f"entry {i}".encode() for i in range(2000))


def test_proofs_need_only_the_listed_stored_nodes() -> None:
    tree = MerkleTree()
    store: dict[tuple[int, int], bytes] = {}
    for i in range(1000):
        for node in tree.append_nodes(hash_leaf(f"row {i}".encode())):
            store[(node.level, node.position)] = node.hash

    def reader_for(keys: set[tuple[int, int]]) -> Callable[[int, int], bytes]:
        return lambda level, index: store[(level, index)] if (level, index) in keys else b"?"

    for index, size in [(0, 1), (5, 6), (500, 777), (999, 1000), (123, 513)]:
        keys = nodes_needed_for_inclusion(index, size)
        assert len(keys) <= 2 * size.bit_length()
        assert inclusion_path(reader_for(keys), index, size) == tree.inclusion_proof(index, size)
    for old, new in [(1, 2), (7, 9), (300, 1000), (512, 1000), (999, 1000)]:
        keys = nodes_needed_for_consistency(old, new)
        assert consistency_path(reader_for(keys), old, new) == tree.consistency_proof(old, new)
    keys = nodes_needed_for_root(1000)
    assert keys == {(9, 0), (8, 2), (7, 6), (6, 14), (5, 30), (3, 124)}  # 1000 = 0b1111101000
    assert all(store[key] == tree.node(*key) for key in store)


def test_tree_refuses_bad_sizes_and_hashes() -> None:
    with pytest.raises(InputError):
        TREE_64.root(65)
    with pytest.raises(InputError):
        TREE_64.inclusion_proof(64, 64)
    with pytest.raises(InputError):
        TREE_64.consistency_proof(10, 9)
    with pytest.raises(InputError, match="32 bytes"):
        MerkleTree().append(b"not a hash")


# --- canonical JSON ---------------------------------------------------------------------------


def test_canonical_json_sorts_keys_by_utf16_as_rfc8785() -> None:
    # RFC 8785 §3.2.3 sorting example.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    assert list(json.loads(canonical_json(value)).values()) == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


def test_canonical_json_escapes_strings_as_rfc8785() -> None:
    # RFC 8785 §3.2.2.2 example: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"
    text = '\u20ac$\u000f\nA\'B"\\\\"/'
    assert canonical_json(text) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()
    assert canonical_json({"b": [1, True, None], "a": {"z": "", "y": -3}}) == (
        b'{"a":{"y":-3,"z":""},"b":[1,true,null]}'
    )


def test_canonical_json_refuses_floats_and_unsafe_values() -> None:
    with pytest.raises(InputError, match=r"\$\.amount_fen"):
        canonical_json({"amount_fen": 12.5})
    with pytest.raises(InputError, match="2\\*\\*53"):
        canonical_json({"n": 2**53})
    with pytest.raises(InputError, match="not a string"):
        canonical_json({1: "x"})
    with pytest.raises(InputError, match="datetime"):
        canonical_json({"when": T0})
    with pytest.raises(InputError, match="surrogate"):
        canonical_json({"x": "\ud800"})


# --- entries and the chain --------------------------------------------------------------------


def test_entries_chain_and_parse_back() -> None:
    first = make_entry(0, GENESIS_PREV, T0, {"type": "deposit", "amount_fen": 250_000})
    assert first.data == (
        b'{"event":{"amount_fen":250000,"type":"deposit"},"prev":"'
        + b"0" * 64
        + b'","seq":0,"ts":"2025-03-01T09:00:00.000000+08:00"}'
    )
    assert first.hash == hashlib.sha256(b"\x00" + first.data).digest()
    second = make_entry(1, first.hash, T0 + timedelta(minutes=1), {"type": "release"})
    parsed = parse_entry(second.data)
    assert (parsed.seq, parsed.prev_hash, parsed.hash) == (1, first.hash, second.hash)
    assert parsed.recorded_datetime == T0 + timedelta(minutes=1)


def test_make_entry_refuses_bad_input() -> None:
    with pytest.raises(InputError, match="time zone"):
        make_entry(0, GENESIS_PREV, datetime(2025, 3, 1), {})
    with pytest.raises(InputError, match="float"):
        make_entry(0, GENESIS_PREV, T0, {"amount_fen": 1.0})
    with pytest.raises(InputError, match="GENESIS_PREV"):
        make_entry(0, SOME_HASH, T0, {})
    with pytest.raises(InputError, match="seq"):
        make_entry(-1, GENESIS_PREV, T0, {})


def test_parse_entry_refuses_non_canonical_bytes() -> None:
    entry = make_entry(0, GENESIS_PREV, T0, {"type": "deposit"})
    spaced = entry.data.replace(b'":', b'": ')
    with pytest.raises(InputError, match="canonical"):
        parse_entry(spaced)
    with pytest.raises(InputError, match="JSON"):
        parse_entry(entry.data[:-1])
    with pytest.raises(InputError, match="float"):
        parse_entry(entry.data.replace(b'"type"', b'"amount_fen":1.5,"type"'))
    with pytest.raises(InputError, match="2\\*\\*53"):
        parse_entry(entry.data.replace(b'"type"', b'"amount_fen":9007199254740992,"type"'))
    with pytest.raises(InputError, match="UTF-8"):
        parse_entry(entry.data.replace(b"deposit", b"dep\xffsit"))
    # Non-ASCII keys take the careful path and still round-trip.
    chinese = make_entry(0, GENESIS_PREV, T0, {"金额_fen": 100, "\U0001f600": 1, "\ufb33": 2})
    assert chinese.data.index("\U0001f600".encode()) < chinese.data.index("\ufb33".encode())
    assert parse_entry(chinese.data).event == {"金额_fen": 100, "\U0001f600": 1, "\ufb33": 2}


# --- signing, tree heads, receipts ----------------------------------------------------------

KEY_PEM = generate_signing_key()
KEY = load_signing_key(KEY_PEM)
PUBLIC_PEM = public_key_pem(KEY)


def test_tree_head_signature_and_layout() -> None:
    head = sign_tree_head(KEY, 8, VECTOR_ROOTS[7], datetime(2025, 3, 1, tzinfo=UTC))
    message = head.message()
    assert len(message) == 64
    assert message[:16] == b"district-sth-v1\x00"
    assert message[16:24] == (8).to_bytes(8, "big")
    assert message[24:56] == VECTOR_ROOTS[7]
    assert int.from_bytes(message[56:], "big") == 1_740_787_200 * 10**6
    assert head.issued_at == datetime(2025, 3, 1, tzinfo=UTC)
    public = load_public_key(PUBLIC_PEM)
    assert verify_tree_head(head, public)
    assert head.key_id == key_id(public) == key_id(KEY)
    for changed in (
        SignedTreeHead(9, head.root_hash, head.timestamp_us, head.signature, head.key_id),
        SignedTreeHead(8, VECTOR_ROOTS[6], head.timestamp_us, head.signature, head.key_id),
        SignedTreeHead(8, head.root_hash, head.timestamp_us + 1, head.signature, head.key_id),
    ):
        assert not verify_tree_head(changed, public)
    assert not verify_tree_head(
        head, load_public_key(public_key_pem(load_signing_key(generate_signing_key())))
    )
    assert SignedTreeHead.from_dict(json.loads(json.dumps(head.to_dict()))) == head
    assert tree_head_message(0, EMPTY_ROOT, -1)[-8:] == b"\xff" * 8


def test_keys_load_and_refuse_garbage() -> None:
    with pytest.raises(ConfigurationError, match="Ed25519"):
        load_signing_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(InputError, match="public key"):
        load_public_key(b"not a key")


def build_journal(count: int = 40) -> Journal:
    """A synthetic journal: deposits and per-session releases of made-up contracts."""
    journal = Journal()
    for i in range(count):
        event = (
            {"type": "deposit", "contract": f"C{i // 4:03d}", "amount_fen": 360_000}
            if i % 4 == 0
            else {
                "type": "release",
                "contract": f"C{i // 4:03d}",
                "session": i % 4,
                "amount_fen": 30_000,
                "note": "私教课",
            }
        )
        journal.append(event, T0 + timedelta(minutes=i))
    return journal


def test_receipt_verifies_offline_and_detects_tampering() -> None:
    journal = build_journal(21)
    head = journal.sign_head(KEY, T0 + timedelta(hours=1))
    receipt = make_receipt(
        journal.entry_bytes(13), 13, journal.inclusion_proof(13), head, PUBLIC_PEM
    )
    carried = Receipt.from_dict(json.loads(json.dumps(receipt.to_dict(), ensure_ascii=False)))
    check = verify_receipt(carried, trusted_public_key_pem=PUBLIC_PEM)
    assert check.ok, check.problems
    assert check.entry is not None and check.entry.event["type"] == "release"

    altered = Receipt(
        carried.entry.replace(b"30000", b"30001"), 13, carried.inclusion_proof, head, PUBLIC_PEM
    )
    assert not verify_receipt(altered).ok
    wrong_leaf = Receipt(carried.entry, 12, carried.inclusion_proof, head, PUBLIC_PEM)
    assert not verify_receipt(wrong_leaf).ok
    other_key = public_key_pem(load_signing_key(generate_signing_key()))
    pinned = verify_receipt(carried, trusted_public_key_pem=other_key)
    assert not pinned.ok and "trusted key" in pinned.problems[0]
    forged_head = SignedTreeHead(21, SOME_HASH, head.timestamp_us, head.signature, head.key_id)
    assert not verify_receipt(
        Receipt(carried.entry, 13, carried.inclusion_proof, forged_head, PUBLIC_PEM)
    ).ok


def test_journal_consistency_between_signed_heads() -> None:
    journal = build_journal(40)
    old = journal.sign_head(KEY, T0, tree_size=17)
    new = journal.sign_head(KEY, T0 + timedelta(hours=1))
    proof = journal.consistency_proof(17, 40)
    assert verify_consistency(17, 40, old.root_hash, new.root_hash, proof)
    assert journal.root(17) == old.root_hash
    reloaded = Journal.from_entries(journal.entries())
    assert reloaded.root() == journal.root()
    lines = list(journal.entries())
    lines[3], lines[4] = lines[4], lines[3]
    with pytest.raises(InputError, match="position 3"):
        Journal.from_entries(lines)


# --- export and verification: tampering is found and named ---------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Journal, SignedTreeHead]:
    journal = build_journal(40)
    heads = [
        journal.sign_head(KEY, T0 + timedelta(hours=1), tree_size=10),
        journal.sign_head(KEY, T0 + timedelta(hours=2), tree_size=25),
        journal.sign_head(KEY, T0 + timedelta(hours=3), tree_size=40),
    ]
    folder = tmp_path_factory.mktemp("export") / "journal"
    summary = export_journal(folder, journal.entries(), heads, PUBLIC_PEM)
    assert summary.entry_count == 40 and summary.tree_head_count == 3
    assert summary.root_hash == journal.root()
    return folder, journal, heads[-1]


def copy_with(folder: Path, tmp_path: Path, change: Callable[[list[bytes]], list[bytes]]) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    lines = (target / "entries.jsonl").read_bytes().split(b"\n")[:-1]
    (target / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in change(lines)))
    return target


def test_intact_export_verifies(exported: tuple[Path, Journal, SignedTreeHead]) -> None:
    folder, journal, head = exported
    report = verify_export(folder, trusted_public_key_pem=PUBLIC_PEM, anchors=[head])
    assert report.intact, report.problems
    assert report.first_bad is None
    assert report.entry_count == 40 and report.signed_size == 40
    assert report.root_hash == journal.root()
    assert report.summary().startswith("Intact: 40 entries")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (
        manifest["files"]["entries.jsonl"]
        == hashlib.sha256((folder / "entries.jsonl").read_bytes()).hexdigest()
    )
    assert read_tree_heads(folder / "tree_heads.jsonl")[-1] == head
    with pytest.raises(InputError, match="not empty"):
        export_journal(folder, journal.entries(), [], PUBLIC_PEM)


def alter(lines: list[bytes]) -> list[bytes]:
    lines[17] = lines[17].replace(b"30000", b"3000")
    return lines


def alter_prev(lines: list[bytes]) -> list[bytes]:
    at = lines[17].index(b'"prev":"') + 8
    digit = b"0" if lines[17][at : at + 1] != b"0" else b"1"
    lines[17] = lines[17][:at] + digit + lines[17][at + 1 :]
    return lines


def alter_last(lines: list[bytes]) -> list[bytes]:
    lines[39] = lines[39].replace(b"30000", b"30100")
    return lines


def delete(lines: list[bytes]) -> list[bytes]:
    return lines[:12] + lines[13:]


def delete_first(lines: list[bytes]) -> list[bytes]:
    return lines[1:]


def swap(lines: list[bytes]) -> list[bytes]:
    lines[20], lines[21] = lines[21], lines[20]
    return lines


def move_back(lines: list[bytes]) -> list[bytes]:
    return lines[:5] + lines[6:30] + [lines[5]] + lines[30:]


def insert_forged(lines: list[bytes]) -> list[bytes]:
    before = parse_entry(lines[14])
    forged = make_entry(15, before.hash, T0, {"type": "refund", "amount_fen": 99_999})
    return [*lines[:15], forged.data, *lines[15:]]


def insert_naive(lines: list[bytes]) -> list[bytes]:
    forged = make_entry(15, SOME_HASH, T0, {"type": "refund", "amount_fen": 99_999})
    return [*lines[:15], forged.data, *lines[15:]]


def duplicate(lines: list[bytes]) -> list[bytes]:
    return [*lines[:8], lines[7], *lines[8:]]


def garble(lines: list[bytes]) -> list[bytes]:
    lines[30] = lines[30][:-2]
    return lines


def truncate(lines: list[bytes]) -> list[bytes]:
    return lines[:36]


@pytest.mark.parametrize(
    ("change", "kind", "line", "seq"),
    [
        (alter, "altered", 18, 17),
        (alter_prev, "altered", 18, 17),
        (alter_last, "rewritten", 26, 25),
        (delete, "removed", 13, 12),
        (delete_first, "removed", 1, 0),
        (swap, "reordered", 21, 20),
        (move_back, "reordered", 6, 5),
        (insert_forged, "inserted", 16, 15),
        (insert_naive, "inserted", 16, 15),
        (duplicate, "inserted", 9, 7),
        (garble, "malformed", 31, 30),
        (truncate, "truncated", 37, 36),
    ],
)
def test_tampering_is_found_and_named(
    exported: tuple[Path, Journal, SignedTreeHead],
    tmp_path: Path,
    change: Callable[[list[bytes]], list[bytes]],
    kind: str,
    line: int,
    seq: int,
) -> None:
    folder, _, _ = exported
    report = verify_export(copy_with(folder, tmp_path, change), trusted_public_key_pem=PUBLIC_PEM)
    assert not report.intact
    assert report.first_bad is not None, report.problems
    assert (report.first_bad.kind, report.first_bad.line, report.first_bad.seq) == (
        kind,
        line,
        seq,
    ), report.first_bad.message
    assert any(problem.kind == "manifest" for problem in report.problems)


def rewrite_from(journal: Journal, start: int) -> Journal:
    """Keep entries before ``start``, then recompute a valid chain with one changed event."""
    rewritten = Journal.from_entries(list(journal.entries())[:start])
    for seq in range(start, journal.size):
        entry = journal.entry(seq)
        event = dict(entry.event)
        if seq == start:
            event["amount_fen"] = 1
        rewritten.append(event, entry.recorded_datetime)
    return rewritten


def test_rewritten_chain_is_caught_by_signed_heads() -> None:
    journal = build_journal(40)
    heads = [
        journal.sign_head(KEY, T0 + timedelta(hours=n), tree_size=size)
        for n, size in enumerate((10, 25, 40), start=1)
    ]
    rewritten = rewrite_from(journal, 18)
    report = verify_journal(rewritten.entries(), heads, PUBLIC_PEM)
    assert report.first_bad is not None
    assert report.first_bad.kind == "rewritten"
    assert (report.first_bad.seq, report.first_bad.tree_size) == (10, 25)
    assert "between seq 10 and seq 24" in report.first_bad.message


def test_rewrite_resigned_by_the_operator_is_caught_only_by_an_anchor() -> None:
    journal = build_journal(40)
    anchor = journal.sign_head(KEY, T0 + timedelta(hours=1), tree_size=30)
    rewritten = rewrite_from(journal, 18)
    resigned = [rewritten.sign_head(KEY, T0 + timedelta(hours=2))]
    alone = verify_journal(rewritten.entries(), resigned, PUBLIC_PEM)
    assert alone.intact and any("anchors" in note for note in alone.notes)
    anchored = verify_journal(rewritten.entries(), resigned, PUBLIC_PEM, anchors=[anchor])
    assert not anchored.intact
    assert anchored.first_bad is not None and anchored.first_bad.kind == "rewritten"
    assert anchored.first_bad.tree_size == 30


def test_truncation_and_reappend_against_a_published_head() -> None:
    journal = build_journal(40)
    published = journal.sign_head(KEY, T0 + timedelta(hours=1))
    truncated = Journal.from_entries(list(journal.entries())[:33])
    report = verify_journal(truncated.entries(), [], PUBLIC_PEM, anchors=[published])
    assert report.first_bad is not None and report.first_bad.kind == "truncated"
    assert "entries 33 to 39 were cut" in report.first_bad.message
    for seq in range(33, 41):
        truncated.append({"type": "release", "seq": seq}, T0 + timedelta(days=1, minutes=seq))
    report = verify_journal(truncated.entries(), [], PUBLIC_PEM, anchors=[published])
    assert report.first_bad is not None and report.first_bad.kind == "rewritten"
    assert report.first_bad.tree_size == 40


def test_unsigned_tail_is_noted_but_intact() -> None:
    journal = build_journal(30)
    head = journal.sign_head(KEY, T0 + timedelta(hours=1), tree_size=25)
    report = verify_journal(journal.entries(), [head], PUBLIC_PEM, anchors=[head])
    assert report.intact and report.signed_size == 25
    assert "Entries 25 to 29 were appended after the newest signed head" in report.summary()


def test_bad_heads_and_keys_are_reported() -> None:
    journal = build_journal(12)
    good = journal.sign_head(KEY, T0 + timedelta(hours=2))
    stale = journal.sign_head(KEY, T0 + timedelta(hours=1), tree_size=5)
    forged = SignedTreeHead(12, good.root_hash, good.timestamp_us + 1, good.signature, good.key_id)
    report = verify_journal(journal.entries(), [good, stale, forged], PUBLIC_PEM)
    kinds = [problem.kind for problem in report.problems]
    assert kinds == ["tree_head_order", "bad_signature"]
    assert report.first_bad is None and not report.intact
    other = public_key_pem(load_signing_key(generate_signing_key()))
    report = verify_journal(journal.entries(), [good], PUBLIC_PEM, trusted_public_key_pem=other)
    assert [problem.kind for problem in report.problems] == ["key_mismatch", "bad_signature"]
