"""The GeoJSON endpoints."""

import pytest

pytestmark = pytest.mark.django_db


def test_district(client):
    response = client.get("/api/geo/district")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()["features"][0]
    assert feature["properties"]["adcode"] == "310105"
    assert feature["geometry"]["type"] == "MultiPolygon"


def test_subdistricts_without_polygons_say_so(client):
    features = client.get("/api/geo/subdistricts").json()["features"]
    assert len(features) == 10
    assert all(f["geometry"] is None and f["properties"]["has_boundary"] is False for f in features)


def test_grid(client):
    features = client.get("/api/geo/grid").json()["features"]
    assert len(features) > 600
    assert all(len(f["properties"]["code"]) == 20 for f in features)


def test_facilities_by_category(client):
    features = client.get("/api/geo/facilities?category=metro").json()["features"]
    assert len(features) == 59
    assert {f["properties"]["category"] for f in features} == {"metro"}
    response = client.get("/api/geo/facilities?category=spa")
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and "kindergarten" in body["error"]


def test_network_bbox(client):
    everything = client.get("/api/geo/network").json()["features"]
    part = client.get("/api/geo/network?bbox=121.42,31.21,121.43,31.22").json()["features"]
    assert 0 < len(part) < len(everything)
    bad = client.get("/api/geo/network?bbox=121.43,31.21,121.42")
    assert bad.status_code == 400 and "four numbers" in bad.json()["error"]


def test_locate(client):
    data = client.get("/api/geo/locate?lon=121.4245&lat=31.2213").json()
    assert data["in_district"] is True and len(data["cell_code"]) == 20
    assert client.get("/api/geo/locate?lon=abc&lat=31").status_code == 400


def test_openapi_documents_the_endpoints(client):
    assert client.get("/api/docs").status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    for name in ("district", "subdistricts", "grid", "facilities", "network"):
        assert f"/api/geo/{name}" in paths


def test_geojson_is_compressed_for_clients_that_accept_it(client):
    plain = client.get("/api/geo/grid")
    packed = client.get("/api/geo/grid", headers={"accept-encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content) / 3
    page = client.get("/", headers={"accept-encoding": "gzip"})
    assert not page.has_header("Content-Encoding")  # pages are never compressed (BREACH)
