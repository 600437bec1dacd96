"""The catalogue: two levels with Open311 codes, attributes, limits, the routing table."""

from __future__ import annotations

import json

import pytest

from district.cases import services
from district.cases.models import Attribute, Category, RoutingRule, TimeLimit
from district.cases.services.catalogue import DEFAULT_LIMITS
from district.cases.tests.conftest import ZHONGSHAN_PARK
from district.core.errors import DataFileError, InputError, NotFoundError
from district.geo import services as geo

pytestmark = pytest.mark.django_db


def test_the_vendored_catalogue_has_two_levels_and_open311_codes():
    majors = Category.objects.filter(parent__isnull=True)
    minors = Category.objects.filter(parent__isnull=False)
    assert majors.count() == 13 and minors.count() == 30
    assert set(majors.values_list("kind", flat=True)) == {"component", "event", "service"}
    services_ = services.catalogue().services()
    assert {s.code for s in services_} == set(minors.values_list("code", flat=True))
    bulky = services.get_service("FW0101")
    assert bulky.requires_booking and not bulky.anonymous_allowed
    assert [a.code for a in bulky.attributes] == [
        "items",
        "item_count",
        "slot",
        "floor",
        "has_lift",
    ]
    assert {a.datatype for a in Attribute.objects.all()} >= {
        "string",
        "number",
        "datetime",
        "singlevaluelist",
        "multivaluelist",
    }
    with pytest.raises(NotFoundError):
        services.get_service("BJ01")  # a major class is not a service


def test_limits_come_from_the_minor_class_the_major_class_or_the_default():
    rubbish = services.get_service("SJ0101")
    assert rubbish.limits["handle"] == 4.0  # 暴露垃圾 4 working hours
    assert rubbish.limits["register"] == DEFAULT_LIMITS["register"]
    services.set_time_limit(category_code="SJ01", stage="verify", working_hours=3.5)
    assert services.get_service("SJ0102").limits["verify"] == 3.5
    with pytest.raises(InputError):
        services.set_time_limit(category_code="SJ0101", stage="lunch", working_hours=1)
    with pytest.raises(InputError):
        services.set_time_limit(category_code="SJ0101", stage="handle", working_hours=0)


def route_pk(info: services.CategoryInfo, cell: str, subdistrict: str) -> int:
    department = services.route(info, cell_code=cell, subdistrict_code=subdistrict)
    assert department is not None
    return department


def test_routing_takes_the_most_specific_rule(cast):
    info = services.get_service("SJ0201")
    cell = geo.locate(*ZHONGSHAN_PARK).cell_code or ""
    assert services.route(info, cell_code=cell, subdistrict_code="") is not None
    default = services.route(info, cell_code=cell, subdistrict_code="")
    services.set_routing_rule(
        category_code="SJ0201",
        department_code="sub-310105001000",
        subdistrict_code="310105001000",
        by=cast.supervisor,
    )
    services.set_routing_rule(
        category_code="SJ0201", department_code="greening", cell_code=cell, by=cast.supervisor
    )
    info = services.get_service("SJ0201")
    codes = services.catalogue().department_codes
    assert codes[route_pk(info, cell, "310105001000")] == "greening"
    assert codes[route_pk(info, "other", "310105001000")] == "sub-310105001000"
    assert services.route(info, cell_code="other", subdistrict_code="") == default
    rule = RoutingRule.objects.get(cell_code=cell)
    services.delete_routing_rule(rule_id=rule.pk, by=cast.supervisor)
    info = services.get_service("SJ0201")
    assert services.route(info, cell_code=cell, subdistrict_code="") == default
    with pytest.raises(InputError, match="not both"):
        services.set_routing_rule(
            category_code="SJ0201",
            department_code="greening",
            cell_code=cell,
            subdistrict_code="310105001000",
            by=cast.supervisor,
        )
    with pytest.raises(NotFoundError):
        services.set_routing_rule(
            category_code="SJ0201", department_code="greening", cell_code="123", by=None
        )


def test_a_new_report_follows_the_routing_table(cast, report):
    cell = geo.locate(*ZHONGSHAN_PARK).cell_code or ""
    services.set_routing_rule(
        category_code="SJ0101", department_code="sub-310105001000", cell_code=cell, by=None
    )
    case = report()
    assert case.routed_department.code == "sub-310105001000"


def test_importing_again_updates_in_place(settings):
    from district.cases.demo import load_catalogue

    before = (Category.objects.count(), Attribute.objects.count(), TimeLimit.objects.count())
    load_catalogue(data_dir=settings.DEMO_DATA_DIR)
    after = (Category.objects.count(), Attribute.objects.count(), TimeLimit.objects.count())
    assert before == after


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "not UTF-8 JSON"),
        ({"groups": "x"}, "'groups'"),
        ({"groups": [{"code": "A", "name": "a", "kind": "thing"}]}, "kind"),
        (
            {"groups": [{"code": "A", "name": "a", "categories": [{"code": "A", "name": "b"}]}]},
            "twice",
        ),
        ({"groups": [{"code": "A", "name": "a", "limits": {"handle": -1}}]}, "working hours"),
        (
            {
                "groups": [
                    {
                        "code": "A",
                        "name": "a",
                        "attributes": [{"code": "x", "description": "d", "datatype": "colour"}],
                    }
                ]
            },
            "datatype",
        ),
        ({"groups": [{"code": "A", "name": "a", "department": "nobody"}]}, "unknown department"),
    ],
)
def test_bad_catalogue_files_are_refused_and_nothing_written(tmp_path, content, words):
    path = tmp_path / "catalogue.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    before = Category.objects.count()
    with pytest.raises(DataFileError, match=words):
        services.import_catalogue(path=path)
    assert Category.objects.count() == before


def test_bad_routing_files_name_the_row(tmp_path):
    path = tmp_path / "routing.csv"
    path.write_text(
        "category_code,cell_code,subdistrict_code,department_code\nSJ0101,,,greening\nXX,,,greening\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="row 3"):
        services.import_routing(path=path)
    assert (
        not RoutingRule.objects.filter(category__code="SJ0101", cell_code="")
        .exclude(department__code="greening")
        .exists()
    )
