"""Read an OpenStreetMap file into a walking network of plain arrays.

``read_walk_network(path)`` reads OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``) and OSM PBF
(``.osm.pbf``, through the ``osmium`` package) and keeps the ways a pedestrian may use. The
filter is OSMnx's ``walk`` network type, exactly as OSMnx 2.1.1 sends it to Overpass
(``osmnx/_overpass.py::_get_network_filter``, with ``settings.default_access``)::

    ["highway"]["area"!~"yes"]["access"!~"private"]
    ["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|
                proposed|raceway|razed|rest_area|services"]
    ["foot"!~"no"]["service"!~"private"]
    ["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]
    ["sidewalk:left"!~"separate"]["sidewalk:right"!~"separate"]

Overpass's ``!~`` is an unanchored, case-sensitive regular expression that also passes when
the key is absent, so ``motor`` drops ``motorway`` and ``motorway_link``; this module applies
the same rule with ``re.search``. As in OSMnx's walk network, one-way tags do not bind walkers:
every edge is undirected. Unlike OSMnx (``retain_all=False``), nothing is dropped for being
disconnected: :func:`connected_components` reports the islands instead.

Each edge joins two consecutive nodes of a kept way; its length is the great-circle
(haversine) distance on a sphere of radius 6,371,009 m, the formula and radius OSMnx uses,
so lengths match an unsimplified OSMnx graph.
"""

from __future__ import annotations

import bz2
import gzip
import re
import xml.parsers.expat
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as _scipy_components

from district.core.errors import DataFileError

EARTH_RADIUS_M = 6_371_009.0
"""Sphere radius for great-circle lengths; the value OSMnx uses (``osmnx.distance``)."""

# OSMnx 2.1.1's walk filter as (key, forbidden pattern, drop reason), in its order. A way
# whose value for ``key`` matches the pattern (unanchored) is dropped for that reason.
WALK_EXCLUSIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("area", re.compile("yes"), "area"),
    ("access", re.compile("private"), "access_private"),
    (
        "highway",
        re.compile(
            "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|"
            "proposed|raceway|razed|rest_area|services"
        ),
        "highway_excluded",
    ),
    ("foot", re.compile("no"), "foot_no"),
    ("service", re.compile("private"), "service_private"),
    ("sidewalk", re.compile("separate"), "sidewalk_separate"),
    ("sidewalk:both", re.compile("separate"), "sidewalk_separate"),
    ("sidewalk:left", re.compile("separate"), "sidewalk_separate"),
    ("sidewalk:right", re.compile("separate"), "sidewalk_separate"),
)

DROP_REASONS: tuple[str, ...] = (
    "no_highway",
    "area",
    "access_private",
    "highway_excluded",
    "foot_no",
    "service_private",
    "sidewalk_separate",
    "too_few_nodes",
)
"""Why a way can be dropped. ``too_few_nodes``: fewer than two distinct present nodes."""


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """A walking network as arrays: nodes, undirected edges and how the ways were filtered.

    Node arrays are parallel (one entry per node used by a kept way, in file order); edge
    arrays are parallel (one entry per pair of consecutive nodes of a kept way). ``edge_u``
    and ``edge_v`` index the node arrays. Two ways sharing a segment give two edges: the
    graph builder keeps the shorter one.
    """

    source: str
    node_id: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int32]
    edge_v: npt.NDArray[np.int32]
    length_m: npt.NDArray[np.float64]
    way_id: npt.NDArray[np.int64]
    highway: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    ways_kept: int
    ways_dropped: Mapping[str, int] = field(default_factory=dict)
    missing_node_refs: int = 0
    """Node references of kept ways with no node in the file (clipped extracts)."""

    @property
    def node_count(self) -> int:
        return int(self.node_id.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.shape[0])

    def summary(self) -> dict[str, Any]:
        """Counts for a command's output or a log line."""
        return {
            "source": self.source,
            "nodes": self.node_count,
            "edges": self.edge_count,
            "length_km": round(float(self.length_m.sum()) / 1000.0, 3),
            "ways_kept": self.ways_kept,
            "ways_dropped": dict(self.ways_dropped),
            "missing_node_refs": self.missing_node_refs,
        }


@dataclass(frozen=True, eq=False)
class NetworkComponents:
    """The connected pieces of a network, largest first.

    ``labels[i]`` is the piece of node ``i`` (0 = the largest); ``sizes[k]`` the number of
    nodes in piece ``k``. On a road-only extract the smaller pieces are real gaps in the
    data (a bridge or footway that is not mapped), so they are reported, never dropped.
    """

    labels: npt.NDArray[np.int32]
    sizes: npt.NDArray[np.int64]

    @property
    def count(self) -> int:
        return int(self.sizes.shape[0])

    @property
    def island_node_count(self) -> int:
        """Nodes outside the largest piece."""
        return int(self.sizes[1:].sum())

    def summary(self) -> dict[str, Any]:
        return {
            "components": self.count,
            "largest_nodes": int(self.sizes[0]) if self.count else 0,
            "island_nodes": self.island_node_count,
            "sizes": [int(s) for s in self.sizes],
        }


class OsmFileError(DataFileError):
    """A bad OSM file. Names the file and, for XML, the line, element and attribute."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path,
        line: int | None = None,
        element: str | None = None,
        attribute: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        where = []
        if line is not None:
            where.append(f"line {line}")
        if element is not None:
            where.append(f"<{element}>")
        if attribute is not None:
            where.append(f"attribute '{attribute}'")
        text = f"{', '.join(where)}: {message}" if where else message
        super().__init__(text, path=path, value=value, fix=fix)
        self.row = line
        self.line = line
        self.element = element
        self.attribute = attribute
        self.field = attribute
        if attribute is not None:
            self.errors = {attribute: [text]}


def classify_way(tags: Mapping[str, str]) -> str | None:
    """The reason OSMnx's walk filter drops a way with these tags, or ``None`` to keep it."""
    if "highway" not in tags:
        return "no_highway"
    for key, pattern, reason in WALK_EXCLUSIONS:
        value = tags.get(key)
        if value is not None and pattern.search(value):
            return reason
    return None


def great_circle_m(
    lon1: npt.NDArray[np.float64],
    lat1: npt.NDArray[np.float64],
    lon2: npt.NDArray[np.float64],
    lat2: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Haversine distance in metres (OSMnx's formula and earth radius)."""
    y1 = np.radians(lat1)
    y2 = np.radians(lat2)
    dy = y2 - y1
    dx = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dy / 2.0) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2.0) ** 2
    arc = 2.0 * np.arcsin(np.sqrt(np.minimum(1.0, h)))
    return np.asarray(arc * EARTH_RADIUS_M, dtype=np.float64)


@dataclass
class _RawOsm:
    """What a reader collects before the arrays are built."""

    node_lon: dict[int, float] = field(default_factory=dict)
    node_lat: dict[int, float] = field(default_factory=dict)
    ways: list[tuple[int, list[int], str, str]] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    way_count: int = 0


_SUFFIX_FIX = (
    "Give an OpenStreetMap file: OSM XML (.osm, .osm.bz2, .osm.gz) or PBF (.osm.pbf), "
    "for example an Overpass or Geofabrik export."
)


def read_walk_network(path: str | Path) -> WalkNetwork:
    """Read the walkable ways of an OSM XML or PBF file into a :class:`WalkNetwork`.

    Raises :class:`OsmFileError` (a ``DataFileError``) for a missing, malformed or non-OSM
    file, an element with a bad attribute (naming the line, element and attribute for XML),
    or a file with no walkable way.
    """
    path = Path(path)
    if not path.is_file():
        raise OsmFileError("no such file", path=path, fix=_SUFFIX_FIX)
    if _is_pbf(path):
        raw = _read_pbf(path)
    else:
        raw = _read_xml(path)
    return _build_network(path, raw)


def connected_components(network: WalkNetwork) -> NetworkComponents:
    """Label the connected pieces of ``network`` (undirected), largest piece first."""
    n = network.node_count
    if n == 0:
        return NetworkComponents(
            labels=np.zeros(0, dtype=np.int32), sizes=np.zeros(0, dtype=np.int64)
        )
    adjacency = coo_matrix(
        (np.ones(network.edge_count), (network.edge_u, network.edge_v)), shape=(n, n)
    ).tocsr()
    count, raw_labels = _scipy_components(adjacency, directed=False)
    raw_sizes = np.bincount(raw_labels, minlength=count)
    # Largest first; ties broken by the lowest raw label so the order is deterministic.
    order = np.lexsort((np.arange(count), -raw_sizes))
    rank = np.empty(count, dtype=np.int32)
    rank[order] = np.arange(count, dtype=np.int32)
    return NetworkComponents(
        labels=rank[raw_labels].astype(np.int32),
        sizes=raw_sizes[order].astype(np.int64),
    )


def _is_pbf(path: Path) -> bool:
    if path.name.lower().endswith(".pbf"):
        return True
    with path.open("rb") as handle:
        head = handle.read(16)
    # A PBF file starts with a 4-byte header length, then the "OSMHeader" blob type.
    return head[4:15] == b"\n\tOSMHeader"


def _open_xml(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".bz2"):
        return cast(IO[bytes], bz2.open(path, "rb"))
    if name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


class _XmlCollector:
    """expat callbacks that collect nodes and ways and check every attribute they use."""

    def __init__(self, path: Path, parser: Any) -> None:
        self.path = path
        self.parser = parser
        self.raw = _RawOsm()
        self.depth = 0
        self.seen_root = False
        self.way_id: int | None = None
        self.way_refs: list[int] = []
        self.way_tags: dict[str, str] = {}
        self.way_deleted = False

    def fail(
        self, message: str, element: str, attribute: str | None = None, value: Any = None
    ) -> OsmFileError:
        return OsmFileError(
            message,
            path=self.path,
            line=int(self.parser.CurrentLineNumber),
            element=element,
            attribute=attribute,
            value=value,
            fix="Correct or remove the element, or export the area again.",
        )

    def _int(self, attrs: Mapping[str, str], element: str, name: str) -> int:
        text = attrs.get(name)
        if text is None:
            raise self.fail(f"the required attribute '{name}' is missing", element, name)
        try:
            return int(text)
        except ValueError:
            raise self.fail(f"{name}={text!r} is not an integer id", element, name, text) from None

    def _coordinate(self, attrs: Mapping[str, str], element: str, name: str, bound: float) -> float:
        text = attrs.get(name)
        if text is None:
            raise self.fail(f"the required attribute '{name}' is missing", element, name)
        try:
            value = float(text)
        except ValueError:
            raise self.fail(f"{name}={text!r} is not a number", element, name, text) from None
        if not -bound <= value <= bound:
            raise self.fail(
                f"{name}={text!r} is outside [-{bound:g}, {bound:g}] degrees",
                element,
                name,
                text,
            )
        return value

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            if tag != "osm":
                raise self.fail(
                    f"the root element is <{tag}>, not <osm>: this is not an OSM XML file",
                    tag,
                )
            self.seen_root = True
            return
        deleted = attrs.get("action") == "delete" or attrs.get("visible") == "false"
        if tag == "node" and self.depth == 2:
            node_id = self._int(attrs, tag, "id")
            lat = self._coordinate(attrs, tag, "lat", 90.0)
            lon = self._coordinate(attrs, tag, "lon", 180.0)
            if not deleted:
                self.raw.node_lon[node_id] = lon
                self.raw.node_lat[node_id] = lat
        elif tag == "way" and self.depth == 2:
            self.way_id = self._int(attrs, tag, "id")
            self.way_refs = []
            self.way_tags = {}
            self.way_deleted = deleted
        elif self.way_id is not None and self.depth == 3:
            if tag == "nd":
                self.way_refs.append(self._int(attrs, tag, "ref"))
            elif tag == "tag":
                key = attrs.get("k")
                if key is None:
                    raise self.fail("the required attribute 'k' is missing", tag, "k")
                self.way_tags[key] = attrs.get("v", "")

    def end(self, tag: str) -> None:
        if tag == "way" and self.depth == 2 and self.way_id is not None:
            if not self.way_deleted:
                _keep_way(self.raw, self.way_id, self.way_refs, self.way_tags)
            self.way_id = None
        self.depth -= 1


def _keep_way(raw: _RawOsm, way_id: int, refs: list[int], tags: Mapping[str, str]) -> None:
    raw.way_count += 1
    reason = classify_way(tags)
    if reason is not None:
        raw.dropped[reason] += 1
        return
    # Consecutive duplicate references are one node (OSMnx does the same).
    distinct = [ref for i, ref in enumerate(refs) if i == 0 or ref != refs[i - 1]]
    if len(distinct) < 2:
        raw.dropped["too_few_nodes"] += 1
        return
    raw.ways.append((way_id, distinct, tags["highway"], tags.get("name", "")))


def _read_xml(path: Path) -> _RawOsm:
    parser = xml.parsers.expat.ParserCreate()
    collector = _XmlCollector(path, parser)
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.buffer_text = True
    try:
        with _open_xml(path) as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as error:
        raise OsmFileError(
            f"malformed XML ({xml.parsers.expat.ErrorString(error.code)}, column {error.offset})",
            path=path,
            line=error.lineno,
            fix=("The file is damaged or cut short, or is not OSM XML. " + _SUFFIX_FIX),
        ) from None
    except (OSError, EOFError) as error:
        raise OsmFileError(
            f"cannot be read as {'compressed ' if path.suffix in ('.bz2', '.gz') else ''}"
            f"OSM XML ({error})",
            path=path,
            fix=_SUFFIX_FIX,
        ) from None
    if not collector.seen_root:
        raise OsmFileError("the file is empty: no <osm> element", path=path, fix=_SUFFIX_FIX)
    return collector.raw


def _read_pbf(path: Path) -> _RawOsm:
    import osmium  # imported here: only PBF needs the compiled osmium package

    raw = _RawOsm()
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                location = obj.location
                if location.valid():
                    raw.node_lon[obj.id] = location.lon
                    raw.node_lat[obj.id] = location.lat
            elif isinstance(obj, osmium.osm.Way):
                tags = {tag.k: tag.v for tag in obj.tags}
                refs = [node.ref for node in obj.nodes]
                _keep_way(raw, obj.id, refs, tags)
    except RuntimeError as error:
        raise OsmFileError(
            f"cannot be read as OSM PBF ({error})",
            path=path,
            fix="The file is damaged or cut short, or is not PBF. " + _SUFFIX_FIX,
        ) from None
    return raw


def _split_at_missing(refs: list[int], present: Callable[[int], bool]) -> Iterator[list[int]]:
    """Runs of consecutive present nodes (a clipped extract may lack some way nodes)."""
    run: list[int] = []
    for ref in refs:
        if present(ref):
            run.append(ref)
        else:
            if len(run) >= 2:
                yield run
            run = []
    if len(run) >= 2:
        yield run


def _build_network(path: Path, raw: _RawOsm) -> WalkNetwork:
    if raw.way_count == 0 and not raw.node_lon:
        raise OsmFileError(
            "the file holds no OSM nodes or ways",
            path=path,
            fix=_SUFFIX_FIX,
        )
    index: dict[int, int] = {}
    node_ids: list[int] = []
    seg_u: list[int] = []
    seg_v: list[int] = []
    seg_way: list[int] = []
    seg_highway: list[str] = []
    seg_name: list[str] = []
    missing = 0
    kept = 0
    node_lon = raw.node_lon
    for way_id, refs, highway, name in raw.ways:
        absent = sum(1 for ref in refs if ref not in node_lon)
        missing += absent
        runs = list(_split_at_missing(refs, node_lon.__contains__)) if absent else [refs]
        if not runs:
            raw.dropped["too_few_nodes"] += 1
            continue
        kept += 1
        for run in runs:
            positions = []
            for ref in run:
                position = index.get(ref)
                if position is None:
                    position = len(node_ids)
                    index[ref] = position
                    node_ids.append(ref)
                positions.append(position)
            seg_u.extend(positions[:-1])
            seg_v.extend(positions[1:])
            count = len(positions) - 1
            seg_way.extend([way_id] * count)
            seg_highway.extend([highway] * count)
            seg_name.extend([name] * count)
    if kept == 0:
        dropped = ", ".join(f"{k}: {v}" for k, v in sorted(raw.dropped.items())) or "none"
        raise OsmFileError(
            f"no walkable way: {raw.way_count} ways read, dropped by reason: {dropped}",
            path=path,
            fix=(
                "Export ways tagged highway=* for the area (OSMnx's walk filter keeps "
                "footways, residential and most other roads, but not motorways, "
                "cycleways, private or foot=no ways)."
            ),
        )
    node_id = np.asarray(node_ids, dtype=np.int64)
    lon = np.asarray([node_lon[i] for i in node_ids], dtype=np.float64)
    lat = np.asarray([raw.node_lat[i] for i in node_ids], dtype=np.float64)
    edge_u = np.asarray(seg_u, dtype=np.int32)
    edge_v = np.asarray(seg_v, dtype=np.int32)
    length_m = great_circle_m(lon[edge_u], lat[edge_u], lon[edge_v], lat[edge_v])
    dropped_counts = {reason: int(raw.dropped.get(reason, 0)) for reason in DROP_REASONS}
    return WalkNetwork(
        source=str(path),
        node_id=node_id,
        lon=lon,
        lat=lat,
        edge_u=edge_u,
        edge_v=edge_v,
        length_m=length_m,
        way_id=np.asarray(seg_way, dtype=np.int64),
        highway=np.asarray(seg_highway, dtype=np.str_),
        name=np.asarray(seg_name, dtype=np.str_),
        ways_kept=kept,
        ways_dropped=dropped_counts,
        missing_node_refs=missing,
    )
