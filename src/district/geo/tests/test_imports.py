"""Imports: real data in, bad files refused with the file, row and field named, and
nothing half-written."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from district.core.errors import DataFileError, InputError
from district.geo import services
from district.geo.models import DataImport, Facility, NetworkEdge, NetworkNode, Subdistrict

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_demo_geography_is_the_real_changning():
    summary = services.summarize_district()
    assert (summary.name, summary.adcode) == ("长宁区", "310105")
    assert 36 < summary.area_km2 < 38
    assert summary.subdistricts == 10
    # Counts inside the district match the data README's "in Changning" column, minus the
    # 16 veterinary clinics among the 499 medical rows and one animal disease-control
    # centre tagged both as disease control and as veterinary.
    counts = {c.code: c.in_district for c in summary.facilities}
    assert counts["kindergarten"] == 95
    assert counts["primary_school"] == 36
    assert counts["middle_school"] == 33
    assert counts["health"] == 499 - 16 - 1
    assert counts["metro"] == 16
    assert counts["bus_stop"] == 237
    assert counts["elderly_care"] == 0  # no such data: the platform says so
    assert summary.network_components >= 2  # islands are kept and reported


def test_subdistricts_carry_official_codes():
    names = dict(Subdistrict.objects.values_list("code", "name"))
    assert names["310105001000"] == "华阳路街道"
    assert names["310105102000"] == "新泾镇"
    assert Subdistrict.objects.get(code="310105102000").kind == "town"


def test_reimporting_the_same_file_does_not_duplicate(settings):
    before = Facility.objects.count()
    path = settings.DEMO_DATA_DIR / "poi/changning_metro_stations_amap.csv"
    services.import_facilities(path=path, category="metro")
    assert Facility.objects.count() == before


def test_veterinary_clinics_are_dropped_and_counted(settings):
    report = services.import_facilities(
        path=settings.DEMO_DATA_DIR / "poi/changning_medical_amap.csv", category="health"
    )
    assert report.skipped["veterinary clinics"] == 55
    assert not Facility.objects.filter(source_type__contains="动物医疗").exists()


def test_amap_paths_map_without_category(tmp_path):
    path = write(
        tmp_path,
        "mixed.csv",
        "name,address,type,lat,lon\n"
        "甲小学,某路1号,科教文化服务;学校;小学,31.2213,121.4245\n"
        "乙幼儿园,某路2号,科教文化服务;学校;幼儿园,31.2214,121.4246\n"
        "丙大学,某路3号,科教文化服务;学校;高等院校,31.2215,121.4247\n"
        "宠物医院,某路4号,医疗保健服务;动物医疗场所;宠物诊所,31.2216,121.4248\n",
    )
    report = services.import_facilities(path=path)
    assert report.rows_kept == 2
    assert report.skipped == {
        "Amap paths with no platform category": 1,
        "veterinary clinics": 1,
    }
    assert Facility.objects.get(name="甲小学").category_id == "primary_school"


@pytest.mark.parametrize(
    ("content", "row", "field", "message"),
    [
        ("name,lon,lat,category\nA,121.42,abc,health\n", 2, "lat", "is not a number"),
        (
            "name,lon,lat,category\nA,121.42,31.22,health\nB,121.42,31.22,spa\n",
            3,
            "category",
            "unknown category 'spa'",
        ),
        ("name,lon,lat,category\nA,31.22,121.42,health\n", 2, "lon", "swapped"),
        ("name,lon,lat,category\nA,352000,3456000,health\n", 2, "lon", "projected metres"),
        (
            "name,lon,lat,category\nA,121.42,31.22,health\nB,121.60,31.22,health\n",
            3,
            "lon",
            "outside the district",
        ),
        ("name,lon,lat,category\nA,121.42,31.22,health,extra\n", 2, None, "values where"),
        ("name,lon,category\nA,121.42,health\n", 1, "lat", "lacks the column"),
    ],
)
def test_bad_facility_rows_name_file_row_and_field(tmp_path, content, row, field, message):
    path = write(tmp_path, "bad.csv", content)
    before = Facility.objects.count()
    with pytest.raises(DataFileError) as caught:
        services.import_facilities(path=path)
    error = caught.value
    assert "bad.csv" in str(error) and message in str(error)
    assert error.row == row
    assert error.field == field
    assert Facility.objects.count() == before  # nothing half-imported


def test_clip_skips_far_rows_instead_of_failing(tmp_path):
    path = write(
        tmp_path,
        "far.csv",
        "name,lon,lat,category\nNear,121.42,31.22,health\nFar,121.60,31.22,health\n",
    )
    report = services.import_facilities(path=path, clip=True)
    assert report.rows_kept == 1
    assert report.skipped["more than 2,000 m outside the district"] == 1


def test_gcj02_input_is_converted(tmp_path):
    from district.core.coords import convert

    lon, lat = convert(121.4245, 31.2213, source="wgs84", target="gcj02")
    path = write(tmp_path, "gcj.csv", f"name,lon,lat\nShifted,{lon},{lat}\n")
    services.import_facilities(path=path, category="market", crs="gcj02")
    facility = Facility.objects.get(name="Shifted")
    assert facility.lon == pytest.approx(121.4245, abs=1e-7)
    assert facility.lat == pytest.approx(31.2213, abs=1e-7)
    assert facility.cell is not None


def test_unknown_category_option_lists_the_codes(tmp_path):
    path = write(tmp_path, "x.csv", "name,lon,lat\nA,121.42,31.22\n")
    with pytest.raises(InputError, match="kindergarten"):
        services.import_facilities(path=path, category="spa")


def test_non_utf8_file_is_refused(tmp_path):
    path = write(
        tmp_path, "gbk.csv", "name,lon,lat,category\n上海市长宁区医院,121.42,31.22,health\n", "gbk"
    )
    with pytest.raises(DataFileError, match="not UTF-8"):
        services.import_facilities(path=path)


def test_malformed_osm_keeps_the_old_network(tmp_path):
    nodes, edges = NetworkNode.objects.count(), NetworkEdge.objects.count()
    path = write(tmp_path, "broken.osm", '<?xml version="1.0"?>\n<osm version="0.6">\n<node id="1"')
    with pytest.raises(DataFileError) as caught:
        services.import_osm(path=path)
    assert "broken.osm" in str(caught.value)
    assert (NetworkNode.objects.count(), NetworkEdge.objects.count()) == (nodes, edges)


def test_osm_without_walkable_ways_is_refused(tmp_path):
    path = write(
        tmp_path,
        "motorway.osm",
        '<?xml version="1.0"?>\n<osm version="0.6">\n'
        '<node id="1" lat="31.22" lon="121.42"/><node id="2" lat="31.221" lon="121.421"/>\n'
        '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>\n</osm>\n',
    )
    with pytest.raises(DataFileError, match="walkable"):
        services.import_osm(path=path)


def test_osm_import_records_islands():
    record = DataImport.objects.filter(kind="walking network").latest("imported_at")
    assert "connected piece(s)" in record.notes
    assert NetworkNode.objects.filter(component__gt=0).exists()


def test_residents_import_and_validation(tmp_path):
    good = write(
        tmp_path,
        "homes.csv",
        "id,lon,lat,population,population_60plus\nh1,121.42,31.22,1200,300\n",
    )
    report = services.import_residents(path=good, source="test")
    assert report.rows_kept == 1
    assert services.summarize_district().population == 1200
    bad = write(tmp_path, "bad.csv", "id,lon,lat,population\nh2,121.42,31.22,-5\n")
    with pytest.raises(DataFileError, match="population"):
        services.import_residents(path=bad)
    outside = write(tmp_path, "out.csv", "id,lon,lat,population\nh3,121.60,31.22,5\n")
    with pytest.raises(DataFileError, match="outside the district"):
        services.import_residents(path=outside)


def test_locate_inside_and_outside():
    inside = services.locate(121.4245, 31.2213)
    assert inside.in_district and inside.cell_code and len(inside.cell_code) == 20
    assert not services.locate(121.60, 31.22).in_district
    with pytest.raises(InputError, match="outside 长宁区"):
        services.require_in_district(121.60, 31.22)


def test_cli_reports_a_bad_file_and_exits_non_zero(tmp_path):
    path = write(tmp_path, "bad.csv", "name,lon,lat\nA,121.42,31.22\n")
    with pytest.raises(CommandError, match="category"):
        call_command("geo", "import-facilities", str(path))


def test_cli_info_json(capsys):
    import json

    call_command("geo", "info", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["subdistricts"] == 10 and data["cells"] > 600


def test_boundary_must_be_one_feature(tmp_path, settings):
    path = settings.DEMO_DATA_DIR / "boundaries/changning_district_wgs84.geojson"
    import json

    data = json.loads(path.read_text())
    data["features"] *= 2
    two = write(tmp_path, "two.geojson", json.dumps(data))
    with pytest.raises(DataFileError, match="2 features"):
        services.import_boundary(path=two)
    bad = write(tmp_path, "bad.geojson", "{not json")
    with pytest.raises(DataFileError, match="not valid JSON"):
        services.import_boundary(path=bad)


def test_rebuilding_the_grid_reattaches_facilities():
    from district.geo.models import GridCell

    report = services.build_grid(cell_m=500)
    assert GridCell.objects.filter(cell_m=500).count() == report.rows_kept < 681
    inside = Facility.objects.filter(in_district=True)
    assert inside.exists() and not inside.filter(cell__isnull=True).exists()
    assert not Facility.objects.filter(in_district=False, cell__isnull=False).exists()
    assert set(inside.values_list("cell__cell_m", flat=True)) == {500}
