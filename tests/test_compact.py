"""Compact polygon encoding: quantised deltas that decode back to the same rings."""

from __future__ import annotations

from components.compact import decode, encode, quantum


def test_quantum_keeps_a_third_of_the_tolerance():
    # 30 m tolerance: 3 x 111,320 / 30 = 11,132 units per degree -> 10^5 (1.1 m steps).
    assert quantum(30.0) == 100_000
    # 150 m: 2,226 -> 10^4 (11 m steps).
    assert quantum(150.0) == 10_000


def test_encode_is_delta_of_integers_and_decodes_back():
    square = {"type": "Polygon", "coordinates": [[[109.1, -7.2], [109.3, -7.2], [109.3, -7.0], [109.1, -7.2]]]}
    encoded = encode(square, 10)
    # x: 1091, 1093 (+2), 1093 (0); y: -72, -72 (0), -70 (+2); closing vertex dropped.
    assert encoded == [[[1091, -72, 2, 0, 0, 2]]]
    assert decode(encoded, 10) == {"type": "MultiPolygon", "coordinates": [square["coordinates"]]}


def test_multipolygon_with_hole():
    shape = {"type": "MultiPolygon", "coordinates": [
        [[[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 0.0]], [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 1.0]]],
        [[[10.0, 10.0], [11.0, 10.0], [11.0, 11.0], [10.0, 10.0]]],
    ]}
    assert decode(encode(shape, 1), 1) == shape


def test_script_json_is_compact_and_cannot_close_the_script():
    from components.compact import script_json

    text = script_json({"nama": "</script><b>&", "xs": [1, 2]})
    assert "<" not in text and ">" not in text and "&" not in text
    assert text == '{"nama":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026","xs":[1,2]}'
    import json

    assert json.loads(text) == {"nama": "</script><b>&", "xs": [1, 2]}
