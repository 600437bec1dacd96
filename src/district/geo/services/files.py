"""Reading and recording imported files: reports, CSV and GeoJSON readers, coordinate
systems. Every import names the file, row and field of a bad value."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from district.core.coords import SYSTEMS, CoordinateSystem, check_lon_lat, convert
from district.core.errors import DataFileError, InputError
from district.geo.models import DataImport

BATCH = 2000


DEFAULT_MARGIN_M = 2000.0  # facilities this close to the district still serve its residents


NETWORK_REACH_M = 300.0  # a cell is "reached" by the network if a node lies this close


@dataclass
class ImportReport:
    """What an import read, kept and skipped (by reason)."""

    kind: str
    file_name: str
    rows_read: int = 0
    rows_kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file_name,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "skipped": dict(self.skipped),
            "notes": self.notes,
        }

    def summary(self) -> str:
        text = (
            f"{self.kind}: {self.rows_kept:,} kept of {self.rows_read:,} read from {self.file_name}"
        )
        if self.skipped:
            reasons = ", ".join(f"{n:,} {reason}" for reason, n in self.skipped.most_common())
            text += f"; skipped {reasons}"
        return text


def _record(report: ImportReport, path: Path) -> None:
    DataImport.objects.create(
        kind=report.kind,
        file_name=report.file_name,
        sha256=_sha256(path),
        rows_read=report.rows_read,
        rows_kept=report.rows_kept,
        skipped=dict(report.skipped),
        notes="\n".join(report.notes),
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _require_file(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"File not found: {path}", field="file", value=str(path))
    return path


def _check_crs(crs: str) -> CoordinateSystem:
    if crs not in SYSTEMS:
        raise InputError(
            f"Unknown coordinate system {crs!r}",
            field="crs",
            value=crs,
            fix=f"Use one of {', '.join(SYSTEMS)}.",
        )
    return crs


def _open_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV as (line number, row); the header is line 1."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise DataFileError("is empty: no header row", path=path)
            for row in reader:
                if None in row:
                    raise DataFileError(
                        f"has {len(reader.fieldnames) + len(row[None])} values where the header "
                        f"has {len(reader.fieldnames)} columns",
                        path=path,
                        row=reader.line_num,
                    )
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"is not UTF-8 text (byte {exc.start})",
            path=path,
            fix="Save it as UTF-8 (Excel: CSV UTF-8).",
        ) from exc
    except csv.Error as exc:
        raise DataFileError(f"is not a readable CSV ({exc})", path=path) from exc


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [name.strip() for name in next(csv.reader(handle), [])]
    except UnicodeDecodeError as exc:
        raise DataFileError("is not UTF-8 text", path=path, fix="Save it as UTF-8.") from exc


def _require_columns(path: Path, required: tuple[str, ...]) -> list[str]:
    header = _header(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(
            f"lacks the column(s) {', '.join(missing)} (it has: {', '.join(header) or 'none'})",
            path=path,
            row=1,
            field=missing[0],
        )
    return header


def _parse_float(value: str, path: Path, line: int, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise DataFileError(
            f"{value!r} is not a number", path=path, row=line, field=column
        ) from None
    if not math.isfinite(number):
        raise DataFileError(f"{value!r} is not a finite number", path=path, row=line, field=column)
    return number


def _read_geojson_geometries(path: Path) -> list[tuple[BaseGeometry, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFileError(
            "is not UTF-8 text", path=path, fix="Save the file as UTF-8 GeoJSON."
        ) from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})", path=path
        ) from exc
    if not isinstance(data, dict):
        raise DataFileError("is not a GeoJSON object", path=path)
    if data.get("type") == "FeatureCollection":
        features = data.get("features") or []
    elif data.get("type") == "Feature":
        features = [data]
    elif data.get("type") in ("Polygon", "MultiPolygon"):
        features = [{"type": "Feature", "geometry": data, "properties": {}}]
    else:
        raise DataFileError(
            f"has GeoJSON type {data.get('type')!r}",
            path=path,
            field="type",
            fix="Give a FeatureCollection, a Feature or a (Multi)Polygon.",
        )
    result = []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry")
        if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise DataFileError(
                f"feature {number} has no Polygon or MultiPolygon geometry",
                path=path,
                row=number,
                field="geometry",
            )
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, IndexError) as exc:
            raise DataFileError(
                f"feature {number} has a malformed geometry ({exc})",
                path=path,
                row=number,
                field="geometry",
            ) from exc
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        result.append((geom, feature.get("properties") or {}))
    if not result:
        raise DataFileError("has no features", path=path)
    return result


def _check_wgs84_bounds(geom: BaseGeometry, path: Path, row: int | None = None) -> None:
    minx, miny, maxx, maxy = geom.bounds
    for lon, lat in ((minx, miny), (maxx, maxy)):
        problem = check_lon_lat(lon, lat)
        if problem:
            raise DataFileError(
                f"{problem} (bounds {minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f})",
                path=path,
                row=row,
                field="geometry",
            )


def _convert_geometry(geom: BaseGeometry, crs: CoordinateSystem) -> BaseGeometry:
    if crs == "wgs84":
        return geom

    def conv(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[Any, Any]:
        return convert(np.asarray(x), np.asarray(y), source=crs, target="wgs84")

    return shapely.transform(geom, conv, interleaved=False)


def _record_virtual(report: ImportReport) -> None:
    DataImport.objects.create(
        kind=report.kind,
        file_name=report.file_name,
        sha256="",
        rows_read=report.rows_read,
        rows_kept=report.rows_kept,
        skipped=dict(report.skipped),
        notes="\n".join(report.notes),
    )
