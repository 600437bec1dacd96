"""The unit grid: CJ/T 349-layout codes, stable lattice, clipped to the boundary."""

import json

import pytest
from shapely.geometry import shape

from district.core.errors import InputError
from district.geo import grid
from district.geo.models import GridCell


@pytest.fixture(scope="module")
def boundary():
    from django.conf import settings

    path = settings.DEMO_DATA_DIR / "boundaries/changning_district_wgs84.geojson"
    return shape(json.loads(path.read_text())["features"][0]["geometry"])


def test_shanghai_is_in_utm_zone_51n():
    assert grid.utm_epsg(121.42, 31.22) == 32651


def test_code_layout():
    code = grid.grid_code(object_type="000000", adcode="310105", street="001", index=792)
    assert code == "00000031010500100792"
    assert len(code) == 20


def test_code_parts_are_checked():
    with pytest.raises(InputError):
        grid.grid_code(object_type="0", adcode="310105", street="001", index=1)
    with pytest.raises(InputError):
        grid.grid_code(object_type="000000", adcode="310105", street="001", index=100_000)


def test_lattice_is_deterministic_and_covers_the_boundary(boundary):
    a = grid.lattice_for(boundary, 250)
    b = grid.lattice_for(boundary, 250)
    assert a == b
    cells = grid.tessellate(boundary, a)
    area_m2 = sum(c.area_m2 for c in cells)
    district_m2 = grid.to_metres(boundary, a.epsg).area
    assert area_m2 == pytest.approx(district_m2, rel=1e-6)
    assert all(c.area_m2 <= 250 * 250 + 1e-6 for c in cells)


def test_too_fine_a_grid_is_refused_with_advice(boundary):
    with pytest.raises(InputError, match="Use larger cells"):
        grid.lattice_for(boundary, 10)


@pytest.mark.django_db
def test_demo_grid_codes_are_unique_and_well_formed():
    codes = list(GridCell.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) > 600
    assert all(len(c) == 20 and c.isdigit() and c[6:12] == "310105" for c in codes)
