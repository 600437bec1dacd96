"""Converters between the coordinate systems Chinese map services use.

* **WGS-84** (EPSG:4326): GPS, OpenStreetMap, and everything the platform stores.
* **GCJ-02** ("Mars coordinates"): the obfuscated system required for maps published in
  mainland China (Amap/高德, Tencent, Google China). Offsets are a few hundred metres.
* **BD-09**: Baidu's further transform of GCJ-02.

The forward GCJ-02 transform is the widely published formula (Krasovsky 1940 ellipsoid,
``a = 6378245.0``, ``ee = 0.00669342162296594323``); it has no closed-form inverse, so
``gcj02_to_wgs84`` iterates the forward transform until the residual is below 1e-9° (about
0.1 mm). Points outside mainland China are not shifted by GCJ-02, as the services do.

All functions take floats or numpy arrays of longitudes and latitudes (in that order) and
return the same shape. This module imports nothing from Django.
"""

from __future__ import annotations

import math
from typing import Literal, TypeAlias, overload

import numpy as np
from numpy.typing import NDArray

from district.core.errors import InputError

CoordinateSystem: TypeAlias = Literal["wgs84", "gcj02", "bd09"]
SYSTEMS: tuple[CoordinateSystem, ...] = ("wgs84", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_MAX_ITERATIONS = 30
_TOLERANCE_DEG = 1e-9

Array: TypeAlias = NDArray[np.float64]


def _out_of_china(lon: Array, lat: Array) -> NDArray[np.bool_]:
    # The rectangle the published implementations use for "not shifted".
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: Array, lat: Array) -> tuple[Array, Array]:
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _wgs84_to_gcj02(lon: Array, lat: Array) -> tuple[Array, Array]:
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def _gcj02_to_wgs84(lon: Array, lat: Array) -> tuple[Array, Array]:
    # Fixed-point iteration: find w such that forward(w) == g.
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(_MAX_ITERATIONS):
        glon, glat = _wgs84_to_gcj02(wlon, wlat)
        elon, elat = glon - lon, glat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if np.all(np.abs(elon) < _TOLERANCE_DEG) and np.all(np.abs(elat) < _TOLERANCE_DEG):
            break
    return wlon, wlat


def _gcj02_to_bd09(lon: Array, lat: Array) -> tuple[Array, Array]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02(lon: Array, lat: Array) -> tuple[Array, Array]:
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


@overload
def convert(
    lon: float, lat: float, *, source: CoordinateSystem, target: CoordinateSystem
) -> tuple[float, float]: ...
@overload
def convert(
    lon: Array, lat: Array, *, source: CoordinateSystem, target: CoordinateSystem
) -> tuple[Array, Array]: ...
def convert(
    lon: float | Array,
    lat: float | Array,
    *,
    source: CoordinateSystem,
    target: CoordinateSystem,
) -> tuple[float, float] | tuple[Array, Array]:
    """Convert longitudes and latitudes from one system to another.

    >>> convert(116.404, 39.915, source="wgs84", target="gcj02")  # doctest: +ELLIPSIS
    (116.41024449916..., 39.91640428150...)
    """
    for name, value in (("source", source), ("target", target)):
        if value not in SYSTEMS:
            raise InputError(
                f"Unknown coordinate system {value!r}",
                field=name,
                value=value,
                fix=f"Use one of {', '.join(SYSTEMS)}.",
            )
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if source != target:
        # Route through GCJ-02, the hub of the three.
        if source == "wgs84":
            x, y = _wgs84_to_gcj02(x, y)
        elif source == "bd09":
            x, y = _bd09_to_gcj02(x, y)
        if target == "wgs84":
            x, y = _gcj02_to_wgs84(x, y)
        elif target == "bd09":
            x, y = _gcj02_to_bd09(x, y)
    if scalar:
        return float(x[0]), float(y[0])
    return x, y


def check_lon_lat(lon: float, lat: float) -> str | None:
    """Why (lon, lat) is not a plausible WGS-84 longitude/latitude pair, or None.

    Catches the common mistakes: swapped columns, projected metres, missing values.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "the coordinates are not numbers"
    if abs(lon) > 180 or abs(lat) > 90:
        if abs(lon) > 1000 or abs(lat) > 1000:
            return (
                "the coordinates look like projected metres, not degrees; "
                "give WGS-84 longitude and latitude in degrees"
            )
        if abs(lat) <= 180 and abs(lon) <= 90:
            return "longitude and latitude look swapped"
        return "longitude must lie within ±180° and latitude within ±90°"
    return None
