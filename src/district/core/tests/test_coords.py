"""Coordinate converters against published reference values and the boundary files."""

import json

import numpy as np
import pytest
from shapely.geometry import shape

from district.core.coords import check_lon_lat, convert
from district.core.errors import InputError

# Reference values from hutool's CoordinateUtilTest (after wandergis/coordtransform), for
# the point (116.404, 39.915) in Beijing. Forward transforms are exact formula outputs.
FORWARD = [
    ("wgs84", "gcj02", (116.41024449916938, 39.91640428150164)),
    ("wgs84", "bd09", (116.41662724378733, 39.922699552216216)),
    ("gcj02", "bd09", (116.41036949371029, 39.92133699351022)),
]


@pytest.mark.parametrize(("source", "target", "expected"), FORWARD)
def test_forward_transforms_match_the_published_values(source, target, expected):
    lon, lat = convert(116.404, 39.915, source=source, target=target)
    assert lon == pytest.approx(expected[0], abs=1e-12)
    assert lat == pytest.approx(expected[1], abs=1e-12)


def test_inverse_agrees_with_the_one_step_approximation_to_a_few_centimetres():
    # hutool's gcj02ToWgs84 is the one-step approximation; ours iterates to 1e-9 degrees.
    lon, lat = convert(116.404, 39.915, source="gcj02", target="wgs84")
    assert lon == pytest.approx(116.39775550083061, abs=1e-6)
    assert lat == pytest.approx(39.91359571849836, abs=1e-6)
    # ...and is exact: converting back gives the input.
    back = convert(lon, lat, source="wgs84", target="gcj02")
    assert back == pytest.approx((116.404, 39.915), abs=1e-9)


@pytest.mark.parametrize("source", ["wgs84", "gcj02", "bd09"])
@pytest.mark.parametrize("target", ["wgs84", "gcj02", "bd09"])
def test_round_trips_in_shanghai(source, target):
    lon = np.array([121.3273, 121.4245, 121.4348, 121.5])
    lat = np.array([31.1797, 31.2213, 31.2459, 31.3])
    x, y = convert(lon, lat, source=source, target=target)
    back_x, back_y = convert(x, y, source=target, target=source)
    assert np.allclose(back_x, lon, atol=1e-8)
    assert np.allclose(back_y, lat, atol=1e-8)


def test_gcj02_shift_in_changning_is_a_few_hundred_metres():
    lon, lat = convert(121.4245, 31.2213, source="wgs84", target="gcj02")
    shift_m = np.hypot((lon - 121.4245) * 95_300, (lat - 31.2213) * 111_000)
    assert 400 < shift_m < 600


def test_outside_china_is_not_shifted():
    assert convert(2.35, 48.85, source="wgs84", target="gcj02") == (2.35, 48.85)


def test_converting_the_amap_outline_reproduces_the_wgs84_file(settings):
    """The data folder's WGS-84 outline was made from the GCJ-02 one with the standard
    iterative inverse (accuracy about 1e-6 degrees)."""
    folder = settings.DEMO_DATA_DIR / "boundaries"
    gcj = shape(
        json.loads((folder / "changning_district_gcj02.geojson").read_text())["features"][0][
            "geometry"
        ]
    )
    wgs = shape(
        json.loads((folder / "changning_district_wgs84.geojson").read_text())["features"][0][
            "geometry"
        ]
    )
    gcj_xy = np.array([p for poly in gcj.geoms for p in poly.exterior.coords])
    wgs_xy = np.array([p for poly in wgs.geoms for p in poly.exterior.coords])
    x, y = convert(gcj_xy[:, 0], gcj_xy[:, 1], source="gcj02", target="wgs84")
    assert np.abs(x - wgs_xy[:, 0]).max() < 2e-6
    assert np.abs(y - wgs_xy[:, 1]).max() < 2e-6


def test_unknown_system_is_an_error_naming_the_choices():
    with pytest.raises(InputError, match="wgs84, gcj02, bd09"):
        convert(121.4, 31.2, source="utm", target="wgs84")  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (31.22, 121.42, "swapped"),
        (352_000.0, 3_456_000.0, "projected metres"),
        (float("nan"), 31.2, "not numbers"),
        (121.42, 31.22, None),
    ],
)
def test_plausibility_check_names_the_mistake(lon, lat, message):
    problem = check_lon_lat(lon, lat)
    if message is None:
        assert problem is None
    else:
        assert problem is not None and message in problem
