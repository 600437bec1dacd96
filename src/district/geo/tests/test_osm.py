"""The OSM walking-network reader: OSMnx's walk filter, lengths, formats, islands, errors."""

from __future__ import annotations

import bz2
import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from district.core.errors import DataFileError
from district.geo.osm import (
    OsmFileError,
    classify_way,
    connected_components,
    read_walk_network,
)

REPO = Path(__file__).resolve().parents[4]
VENDORED = REPO / "data/osm/changning_roads_2025-08-09.osm"
SHARED = REPO.parent / "shared/data/osm/shanghai_central_roads_2025-08-09.osm"


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def osm(*elements: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        + "\n".join(elements)
        + "\n</osm>\n"
    )


def node(i: int, lon: float, lat: float) -> str:
    return f'<node id="{i}" lat="{lat}" lon="{lon}"/>'


def way(i: int, refs: list[int], **tags: str) -> str:
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    tag_xml = "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{i}">{nds}{tag_xml}</way>'


# --- the real extracts ---------------------------------------------------------------------


def test_vendored_extract_counts():
    network = read_walk_network(VENDORED)
    assert network.node_count == 3128
    assert network.edge_count == 3384
    assert network.ways_kept == 566
    # The extract has 571 ways; five are tagged foot=no (elevated roads).
    assert network.ways_dropped["foot_no"] == 5
    assert sum(network.ways_dropped.values()) == 5
    assert network.missing_node_refs == 0
    components = connected_components(network)
    assert components.sizes.tolist() == [3026, 61, 26, 6, 4, 3, 2]
    assert components.island_node_count == 102
    assert np.bincount(components.labels).tolist() == components.sizes.tolist()


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared full extract is not present")
def test_full_extract_matches_osmnx_walk_graph():
    # NOTES.md: OSMnx's walk filter gives 20,757 nodes and 23,150 edges in 10 pieces,
    # the largest 17,300 nodes, then 3,424.
    network = read_walk_network(SHARED)
    assert network.node_count == 20757
    assert network.edge_count == 23150
    components = connected_components(network)
    assert components.count == 10
    assert components.sizes[:2].tolist() == [17300, 3424]


def test_lengths_are_great_circle_and_agree_with_the_ellipsoid():
    network = read_walk_network(VENDORED)
    u, v = network.edge_u, network.edge_v
    _, _, ellipsoid = Geod(ellps="WGS84").inv(
        network.lon[u], network.lat[u], network.lon[v], network.lat[v]
    )
    # A sphere of radius 6,371,009 m differs from WGS-84 by well under 0.5 % here.
    assert np.allclose(network.length_m, ellipsoid, rtol=5e-3)
    assert network.length_m.sum() / 1000 == pytest.approx(146.2, abs=0.1)


def test_edges_carry_way_highway_and_name():
    network = read_walk_network(VENDORED)
    assert set(np.unique(network.highway)) <= {
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "residential",
        "unclassified",
    }
    assert (network.name != "").mean() > 0.5
    assert network.way_id.shape == network.edge_u.shape


# --- the walk filter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"highway": "residential"}, None),
        ({"highway": "footway"}, None),
        ({"highway": "steps"}, None),
        ({"highway": "service", "service": "alley"}, None),
        ({"highway": "primary", "oneway": "yes"}, None),
        ({"highway": "residential", "access": "no"}, None),  # OSMnx drops only "private"
        ({"highway": "track", "foot": "yes"}, None),
        ({"highway": "motorway"}, "highway_excluded"),
        ({"highway": "motorway_link"}, "highway_excluded"),  # "motor" is unanchored
        ({"highway": "cycleway"}, "highway_excluded"),
        ({"highway": "construction"}, "highway_excluded"),
        ({"highway": "proposed"}, "highway_excluded"),
        ({"highway": "platform"}, "highway_excluded"),
        ({"highway": "services"}, "highway_excluded"),
        ({"highway": "rest_area"}, "highway_excluded"),
        ({"highway": "bus_guideway"}, "highway_excluded"),
        ({"highway": "pedestrian", "area": "yes"}, "area"),
        ({"highway": "residential", "access": "private"}, "access_private"),
        ({"highway": "residential", "access": "private", "foot": "yes"}, "access_private"),
        ({"highway": "primary", "foot": "no"}, "foot_no"),
        ({"highway": "service", "service": "private"}, "service_private"),
        ({"highway": "primary", "sidewalk": "separate"}, "sidewalk_separate"),
        ({"highway": "primary", "sidewalk:both": "separate"}, "sidewalk_separate"),
        ({"highway": "primary", "sidewalk:right": "separate"}, "sidewalk_separate"),
        ({"name": "no highway"}, "no_highway"),
    ],
)
def test_walk_filter_is_osmnx(tags, reason):
    assert classify_way(tags) == reason


def test_reader_applies_the_filter_and_counts_reasons(tmp_path):
    path = write(
        tmp_path,
        "mixed.osm",
        osm(
            node(1, 121.420, 31.220),
            node(2, 121.421, 31.220),
            node(3, 121.422, 31.220),
            node(4, 121.423, 31.221),
            way(10, [1, 2], highway="residential", oneway="yes", name="长宁路"),
            way(11, [2, 3], highway="motorway"),
            way(12, [3, 4], highway="footway"),
            way(13, [1, 4], highway="cycleway"),
            way(14, [2, 4], highway="primary", foot="no"),
            way(15, [1, 3], building="yes"),
        ),
    )
    network = read_walk_network(path)
    assert network.ways_kept == 2
    assert network.ways_dropped["highway_excluded"] == 2
    assert network.ways_dropped["foot_no"] == 1
    assert network.ways_dropped["no_highway"] == 1
    pairs = {
        tuple(sorted((int(network.node_id[u]), int(network.node_id[v]))))
        for u, v in zip(network.edge_u, network.edge_v, strict=True)
    }
    # The one-way residential street is kept as an undirected edge.
    assert pairs == {(1, 2), (3, 4)}
    assert sorted(network.node_id.tolist()) == [1, 2, 3, 4]
    assert "长宁路" in network.name.tolist()


def test_duplicates_missing_nodes_and_deleted_elements(tmp_path):
    path = write(
        tmp_path,
        "odd.osm",
        osm(
            node(1, 121.420, 31.220),
            node(2, 121.421, 31.220),
            node(3, 121.422, 31.220),
            node(5, 121.424, 31.220),
            node(6, 121.425, 31.220),
            '<node id="7" lat="31.23" lon="121.43" action="delete"/>',
            # consecutive duplicate 2, 2 collapses; 4 is missing, so the way is cut there
            way(20, [1, 2, 2, 3, 4, 5, 6], highway="residential"),
            way(21, [6, 6], highway="residential"),  # one distinct node
            way(22, [5, 7], highway="residential"),  # 7 was deleted: nothing left
            '<way id="23" action="delete"><nd ref="1"/><nd ref="6"/>'
            '<tag k="highway" v="residential"/></way>',
        ),
    )
    network = read_walk_network(path)
    assert network.missing_node_refs == 2  # 4 in way 20, 7 in way 22
    assert network.ways_kept == 1
    assert network.ways_dropped["too_few_nodes"] == 2
    pairs = sorted(
        tuple(sorted((int(network.node_id[u]), int(network.node_id[v]))))
        for u, v in zip(network.edge_u, network.edge_v, strict=True)
    )
    assert pairs == [(1, 2), (2, 3), (5, 6)]


def test_compressed_xml_reads_the_same(tmp_path):
    plain = read_walk_network(VENDORED)
    gz = tmp_path / "roads.osm.gz"
    with VENDORED.open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    bz = tmp_path / "roads.osm.bz2"
    with VENDORED.open("rb") as src, bz2.open(bz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    for path in (gz, bz):
        other = read_walk_network(path)
        assert np.array_equal(other.node_id, plain.node_id)
        assert np.array_equal(other.edge_u, plain.edge_u)
        assert np.allclose(other.length_m, plain.length_m)


def test_pbf_reads_the_same_as_xml(tmp_path):
    osmium = pytest.importorskip("osmium")
    pbf = tmp_path / "roads.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for obj in osmium.FileProcessor(str(VENDORED)):
            writer.add(obj)
    finally:
        writer.close()
    xml = read_walk_network(VENDORED)
    binary = read_walk_network(pbf)
    assert binary.node_count == xml.node_count
    assert binary.edge_count == xml.edge_count
    assert binary.ways_dropped == xml.ways_dropped
    order_x = np.argsort(xml.node_id)
    order_b = np.argsort(binary.node_id)
    assert np.array_equal(xml.node_id[order_x], binary.node_id[order_b])
    # PBF stores coordinates to 1e-7 degrees, as the XML does.
    assert np.allclose(xml.lon[order_x], binary.lon[order_b], atol=1e-7)
    assert np.isclose(binary.length_m.sum(), xml.length_m.sum(), rtol=1e-9)


# --- bad files ----------------------------------------------------------------------------


def test_truncated_xml_names_file_and_line(tmp_path):
    path = write(tmp_path, "broken.osm", '<?xml version="1.0"?>\n<osm version="0.6">\n<node id="1"')
    with pytest.raises(OsmFileError) as caught:
        read_walk_network(path)
    error = caught.value
    assert isinstance(error, DataFileError)
    assert "broken.osm" in str(error)
    assert error.line == 3
    assert "malformed XML" in str(error)


def test_bad_attribute_names_line_element_and_attribute(tmp_path):
    path = write(
        tmp_path,
        "badlat.osm",
        osm(node(1, 121.42, 31.22), '<node id="2" lat="north" lon="121.43"/>'),
    )
    with pytest.raises(OsmFileError) as caught:
        read_walk_network(path)
    error = caught.value
    assert (error.line, error.element, error.attribute) == (4, "node", "lat")
    assert "line 4" in str(error) and "<node>" in str(error) and "'north'" in str(error)


def test_out_of_range_coordinate_is_refused(tmp_path):
    path = write(tmp_path, "far.osm", osm('<node id="1" lat="31.2" lon="221.4"/>'))
    with pytest.raises(OsmFileError, match="outside"):
        read_walk_network(path)


def test_missing_way_id_is_refused(tmp_path):
    path = write(tmp_path, "noid.osm", osm('<way><nd ref="1"/></way>'))
    with pytest.raises(OsmFileError) as caught:
        read_walk_network(path)
    assert caught.value.attribute == "id"


def test_non_osm_xml_is_refused(tmp_path):
    path = write(tmp_path, "track.gpx", '<?xml version="1.0"?>\n<gpx version="1.1"></gpx>\n')
    with pytest.raises(OsmFileError, match="not an OSM XML file"):
        read_walk_network(path)


def test_csv_is_refused(tmp_path):
    path = write(tmp_path, "facilities.csv", "id,category,lon,lat\n1,park,121.4,31.2\n")
    with pytest.raises(OsmFileError, match=r"facilities\.csv.*malformed XML"):
        read_walk_network(path)


def test_garbage_pbf_is_refused(tmp_path):
    path = tmp_path / "junk.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dnot a pbf file at all" * 4)
    with pytest.raises(OsmFileError, match="PBF"):
        read_walk_network(path)


def test_missing_file(tmp_path):
    with pytest.raises(OsmFileError, match="no such file"):
        read_walk_network(tmp_path / "nowhere.osm")


def test_no_walkable_way_lists_the_reasons(tmp_path):
    path = write(
        tmp_path,
        "motorway.osm",
        osm(
            node(1, 121.42, 31.22),
            node(2, 121.421, 31.221),
            way(9, [1, 2], highway="motorway"),
            way(10, [1, 2], highway="primary", foot="no"),
        ),
    )
    with pytest.raises(OsmFileError) as caught:
        read_walk_network(path)
    message = str(caught.value)
    assert "no walkable way" in message
    assert "highway_excluded: 1" in message and "foot_no: 1" in message


def test_empty_osm_is_refused(tmp_path):
    path = write(tmp_path, "empty.osm", osm())
    with pytest.raises(OsmFileError, match="no OSM nodes or ways"):
        read_walk_network(path)
