"""Rebuild the vendored demo data set from the collected originals.

The files under ``data/`` were produced by this script from ``../shared/data`` (see
``data/README.md`` for sources and licences). It only copies, clips to Changning plus a
margin, and drops nothing else: no value is edited.

Usage::

    python data/build.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Changning's boundary bounds (WGS-84) are lon 121.3273-121.4348, lat 31.1797-31.2459.
# Facilities within 2 km of the boundary are kept (people near the edge use services
# across it); the street network keeps a 1 km box around the boundary's bounds.
BOUNDS = (121.3273, 31.1797, 121.4348, 31.2459)
POI_MARGIN_M = 2000.0
OSM_MARGIN_DEG = (0.0105, 0.009)  # about 1 km

POI_FILES = [
    "shanghai_kindergartens_amap.csv",
    "shanghai_primary_schools_amap.csv",
    "shanghai_middle_schools_amap.csv",
    "shanghai_medical_amap.csv",
    "shanghai_metro_stations_amap.csv",
    "shanghai_bus_stops_amap.csv",
]


def _box(margin: tuple[float, float]) -> tuple[float, float, float, float]:
    return (
        BOUNDS[0] - margin[0],
        BOUNDS[1] - margin[1],
        BOUNDS[2] + margin[0],
        BOUNDS[3] + margin[1],
    )


def _margin_area() -> object:
    """Changning's boundary grown by POI_MARGIN_M, in UTM zone 51N metres."""
    from pyproj import Transformer
    from shapely import transform
    from shapely.geometry import shape

    boundary = json.loads((HERE / "boundaries/changning_district_wgs84.geojson").read_text())
    geometry = shape(boundary["features"][0]["geometry"])
    forward = Transformer.from_crs(4326, 32651, always_xy=True)
    return transform(geometry, forward.transform, interleaved=False).buffer(POI_MARGIN_M)


def clip_poi(src: Path, dst: Path) -> int:
    from pyproj import Transformer
    from shapely import contains_xy

    area = _margin_area()
    forward = Transformer.from_crs(4326, 32651, always_xy=True)
    with src.open(encoding="utf-8", newline="") as fin:
        reader = csv.DictReader(fin)
        rows = []
        for row in reader:
            x, y = forward.transform(float(row["lon"]), float(row["lat"]))
            if contains_xy(area, x, y):
                rows.append(row)
        fields = reader.fieldnames or []
    with dst.open("w", encoding="utf-8", newline="") as fout:
        writer = csv.DictWriter(fout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def clip_osm(src: Path, dst: Path) -> tuple[int, int]:
    """Keep every way with at least one node inside the box, with all of its nodes."""
    west, south, east, north = _box(OSM_MARGIN_DEG)
    tree = ET.parse(src)
    root = tree.getroot()
    inside: set[str] = set()
    for node in root.iter("node"):
        lon, lat = float(node.attrib["lon"]), float(node.attrib["lat"])
        if west <= lon <= east and south <= lat <= north:
            inside.add(node.attrib["id"])
    keep_nodes: set[str] = set()
    ways = []
    for way in root.iter("way"):
        refs = [nd.attrib["ref"] for nd in way.iter("nd")]
        if any(ref in inside for ref in refs):
            ways.append(way)
            keep_nodes.update(refs)
    out = ET.Element("osm", root.attrib)
    for child in root:
        if child.tag in ("note", "meta"):
            out.append(child)
    out.append(
        ET.Element(
            "bounds",
            {
                "minlon": f"{west:.4f}",
                "minlat": f"{south:.4f}",
                "maxlon": f"{east:.4f}",
                "maxlat": f"{north:.4f}",
            },
        )
    )
    n_nodes = 0
    for node in root.iter("node"):
        if node.attrib["id"] in keep_nodes:
            out.append(node)
            n_nodes += 1
    for way in ways:
        out.append(way)
    ET.indent(out, space=" ")
    ET.ElementTree(out).write(dst, encoding="utf-8", xml_declaration=True)
    return n_nodes, len(ways)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    args = parser.parse_args()
    shared = args.shared / "data"

    (HERE / "boundaries").mkdir(exist_ok=True)
    for name in (
        "changning_district_wgs84.geojson",
        "changning_district_gcj02.geojson",
        "changning_subdistricts_reference.csv",
    ):
        shutil.copy2(shared / "boundaries" / name, HERE / "boundaries" / name)
    # Validate that the boundary is one feature; the importer relies on it.
    boundary = json.loads((HERE / "boundaries/changning_district_wgs84.geojson").read_text())
    assert len(boundary["features"]) == 1

    (HERE / "poi").mkdir(exist_ok=True)
    for name in POI_FILES:
        out = name.replace("shanghai_", "changning_")
        n = clip_poi(shared / "poi" / name, HERE / "poi" / out)
        print(f"poi/{out}: {n} rows within {POI_MARGIN_M:.0f} m of Changning")

    (HERE / "osm").mkdir(exist_ok=True)
    n_nodes, n_ways = clip_osm(
        shared / "osm/shanghai_central_roads_2025-08-09.osm",
        HERE / "osm/changning_roads_2025-08-09.osm",
    )
    print(f"osm: {n_nodes} nodes, {n_ways} ways kept")

    for folder in ("citizen_messages",):
        shutil.copytree(shared / folder, HERE / folder, dirs_exist_ok=True)
    for conversation in (shared / "polis").iterdir():
        shutil.copytree(conversation, HERE / "polis" / conversation.name, dirs_exist_ok=True)
    (HERE / "source").mkdir(exist_ok=True)
    shutil.copy2(
        args.shared / "source/changning-14th-fyp-briefing-2025-09-23.txt",
        HERE / "source/changning-14th-fyp-briefing-2025-09-23.txt",
    )


if __name__ == "__main__":
    main()
