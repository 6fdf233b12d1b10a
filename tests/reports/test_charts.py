"""The metric line charts: scales, empty and single-point data, odd ranges, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from workers.reports.charts import line_chart
from workers.reports.figures import amount, fmt, ticks
from workers.reports.series import Series, describe, progress

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text") if t.get("class") == cls]


def series(points=(), **kw) -> Series:
    base = {"name": "Retention", "unit": "%", "baseline": 70.0, "target": 85.0}
    base.update(kw)
    return Series(points=list(points), **base)


def test_it_picks_round_ticks_covering_the_range():
    assert ticks(0, 100) == [0, 25, 50, 75, 100]
    assert ticks(72, 90) == [70, 75, 80, 85, 90]
    assert ticks(0.1, 0.4) == [0.1, 0.2, 0.3, 0.4]


@pytest.mark.parametrize("low, high", [(0, 0), (5, 5), (-3, -3), (-10, -2), (-5, 5), (9, 1)])
def test_it_gives_increasing_ticks_for_flat_negative_and_reversed_ranges(low, high):
    result = ticks(low, high)
    assert len(result) >= 2 and result == sorted(result) and len(set(result)) == len(result)
    assert result[0] <= min(low, high) and result[-1] >= max(low, high)


def test_it_places_higher_values_higher_and_cycles_left_to_right():
    # Given three cycles with rising values
    chart = line_chart(series([("1 Oct", "Cycle 1", 72), ("1 Nov", "Cycle 2", 80)]))
    root = parse(chart)
    # Then the points rise (smaller y) from left to right, after the baseline
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]
    assert len(circles) == 2
    assert circles[0][0] < circles[1][0] and circles[0][1] > circles[1][1]
    line = next(root.iter(f"{SVG}polyline")).get("points").split()
    assert len(line) == 3  # baseline, then both cycles
    assert texts(root, "value") == ["70", "72", "80"]
    assert "baseline" in texts(root, "axis") and "target 85" in texts(root, "target-label")


def test_it_keeps_every_point_inside_the_plot():
    chart = line_chart(series([("a", "A", 10), ("b", "B", 200)], baseline=-50, target=0))
    root = parse(chart)
    height = float(root.get("height"))
    for c in root.iter(f"{SVG}circle"):
        assert 0 <= float(c.get("cy")) <= height
    ys = [float(line.get("y1")) for line in root.iter(f"{SVG}line")]
    assert all(0 <= y <= height for y in ys)


def test_it_shows_baseline_and_target_when_nothing_is_reported():
    root = parse(line_chart(series([("1 Nov", "Cycle 1", None)])))
    assert list(root.iter(f"{SVG}circle")) == []
    assert texts(root, "empty") == ["no value reported yet"]
    assert texts(root, "value") == ["70"] and "target 85" in texts(root, "target-label")
    assert progress(series()) == (None, "no value reported yet")


def test_it_draws_one_point_without_a_line_when_there_is_no_baseline():
    root = parse(line_chart(series([("1 Nov", "Cycle 1", 77)], baseline=None)))
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert list(root.iter(f"{SVG}polyline")) == []
    assert texts(root, "value") == ["77"]


def test_it_handles_a_metric_with_no_baseline_target_or_values():
    root = parse(line_chart(Series(name="Empty")))
    assert texts(root, "empty") == ["no value reported yet"]
    assert progress(Series(name="Empty", points=[("a", "A", 3)])) == (None, "no target set")


def test_it_handles_zero_and_negative_values():
    chart = series([("a", "A", 0), ("b", "B", -4)], baseline=0, target=0, direction="down")
    root = parse(line_chart(chart))
    assert texts(root, "value") == ["0", "0", "-4"]
    assert progress(chart) == (100, "target reached (4% beyond)")


def test_it_works_out_progress_toward_the_target():
    up = series([("a", "A", 76)])
    assert progress(up) == (40, "9% to go")
    down = Series(
        name="Incidents",
        unit="incidents",
        baseline=14,
        target=8,
        direction="down",
        points=[("a", "A", 12)],
    )
    assert progress(down) == (33, "4 incidents to go")
    worse = series([("a", "A", 64)])
    assert progress(worse) == (-40, "21% to go")


def test_it_shades_the_good_side_of_the_target():
    up = parse(line_chart(series([("a", "A", 76)])))
    down = parse(line_chart(series([("a", "A", 76)], direction="down")))
    zone_up = next(r for r in up.iter(f"{SVG}rect") if r.get("class") == "good-zone")
    zone_down = next(r for r in down.iter(f"{SVG}rect") if r.get("class") == "good-zone")
    assert float(zone_up.get("y")) < float(zone_down.get("y"))


def test_it_escapes_hostile_names_and_labels():
    hostile = '<script>alert("x")</script>&'
    chart = str(
        line_chart(
            Series(name=hostile, unit="<b>", target=1, points=[("<i>", hostile, 2)]),
            chart_id='x"><svg onload=1',
        )
    )
    assert "<script>" not in chart and "<b>" not in chart and "<i>" not in chart
    assert 'onload=1"' not in chart and "&lt;script&gt;" in chart
    root = parse(chart)  # still well-formed XML
    assert hostile in "".join(root.find(f"{SVG}title").itertext())


def test_it_describes_the_numbers_in_words():
    text = describe(series([("a", "Cycle 1", 72), ("b", "Cycle 2", None)]))
    assert text == (
        "Retention: baseline 70; Cycle 1 72; Cycle 2 no value; target 85 (higher is better)."
    )
    assert re.search(r"<desc[^>]*>Retention: baseline 70", str(line_chart(series())))


def test_it_formats_numbers_and_units_briefly():
    assert [fmt(v) for v in (3.0, 2.5, 1 / 3, -0.0001, 12345.678)] == [
        "3",
        "2.5",
        "0.33",
        "0",
        "12,345.68",
    ]
    assert amount(85, "%") == "85%" and amount(4, "incidents") == "4 incidents"
