"""The one spec-file loader: TOML, YAML 1.2 core, JSON; located keys and refusals."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ppprog._core.errors import SpecError, ValidationError
from ppprog._core.specfile import (
    MAX_DEPTH,
    SpecFile,
    SpecFileError,
    load_spec_file,
    parse_spec_text,
)
from ppprog._core.yaml12 import read_yaml12, resolve_core_scalar


def _problems(text: str, fmt: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(SpecFileError) as err:
        parse_spec_text(text, fmt)
    return [(p.line, p.field, p.message) for p in err.value.problems]


# --------------------------------------------------------------------------- TOML
TOML = """\
name = "x"   # a comment
[base]
n = 200
"onset.log_hr.ana_high" = 0.5
[grid]
hr = [1.0,
      2.0]
[[methods]]
name = "cox"
opts = {ties = "efron", more = [1, {deep = 2}]}
text = '''a
b'''
[[methods]]
name = "lr"
[methods.options]
covariate = "x"
"""


def test_toml_data_and_every_location() -> None:
    doc = parse_spec_text(TOML, "toml")
    assert doc.data["base"] == {"n": 200, "onset.log_hr.ana_high": 0.5}
    assert doc.data["methods"][1]["options"] == {"covariate": "x"}
    loc = doc.locations
    assert loc["name"] == (1, 1)
    assert loc["base.n"] == (3, 1)
    assert loc["base.onset.log_hr.ana_high"] == (4, 1)
    assert loc["grid.hr[1]"] == (7, 7)
    assert loc["methods[0]"][0] == 8
    assert loc["methods[0].opts.ties"] == (10, 9)
    assert loc["methods[0].opts.more[1].deep"][0] == 10
    assert loc["methods[1].name"] == (14, 1)
    assert loc["methods[1].options.covariate"] == (16, 1)
    # a field that was not written falls back to its nearest written parent
    assert doc.line("methods[1].options.ties") == 15
    assert doc.line("nothing.here") == 1


def test_toml_errors_are_located() -> None:
    ((line, field, msg),) = _problems('a = 1\nb = "x\n', "toml")
    assert (line, field) == (2, "<syntax>")
    assert "could not parse toml" in msg
    ((line, field, msg),) = _problems("a = 1\n[t]\nx = 1\na = 2\nx = 3\n", "toml")
    assert (line, field) == (5, "<syntax>")


# --------------------------------------------------------------------------- YAML
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1:40", "1:40"),  # YAML 1.1 base 60 would give 100
        ("1:20", "1:20"),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("2020-01-01", "2020-01-01"),  # no implicit dates
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("012", 12),  # decimal in YAML 1.2, octal in 1.1
        ("0o17", 15),
        ("0x1f", 31),
        ("+12", 12),
        ("-3", -3),
        ("1e3", 1000.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("~", None),
        ("null", None),
        ("", None),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("1:0.5", "1:0.5"),
    ],
)
def test_core_schema_scalars(text: str, value: object) -> None:
    got = resolve_core_scalar(text)
    assert got == value
    assert type(got) is type(value)
    doc = parse_spec_text(f"v: {text}\n", "yaml")
    assert doc.data["v"] == value
    assert type(doc.data["v"]) is type(value)


def test_core_schema_special_floats_and_quoting() -> None:
    doc = parse_spec_text("a: .inf\nb: -.Inf\nc: .NaN\nd: '12'\ne: \"yes\"\nf: |\n  1:40\n", "yaml")
    assert doc.data["a"] == math.inf
    assert doc.data["b"] == -math.inf
    assert math.isnan(doc.data["c"])
    assert doc.data["d"] == "12"
    assert doc.data["e"] == "yes"
    assert doc.data["f"] == "1:40\n"


def test_yaml_locations_and_keys_kept_as_text() -> None:
    doc = parse_spec_text("a:\n  - x\n  - {b: 1, 2: y}\nc: [1, 2]\n", "yaml")
    assert doc.data == {"a": ["x", {"b": 1, "2": "y"}], "c": [1, 2]}
    assert doc.locations["a"] == (1, 1)
    assert doc.locations["a[1]"] == (3, 5)
    assert doc.locations["a[1].b"] == (3, 6)
    assert doc.locations["c[1]"] == (4, 8)


def test_yaml_duplicate_merge_and_complex_keys() -> None:
    assert _problems("a: 1\nb:\n  c: 1\n  c: 2\n", "yaml") == [
        (4, "b.c", "duplicate key (first given on line 3)")
    ]
    ((line, field, msg),) = _problems("base: &b {n: 1}\nother:\n  <<: *b\n", "yaml")
    assert (line, field) == (3, "other.<<")
    assert "merge keys" in msg
    ((line, field, msg),) = _problems("? [a, b]\n: 1\n", "yaml")
    assert line == 1
    assert "a key must be a plain value" in msg


def test_yaml_tags(tmp_path: Path) -> None:
    marker = tmp_path / "marker-file"
    text = (
        f'a: !!python/object/apply:os.system ["touch {marker}"]\n'
        f"b: !!python/object/new:pathlib.Path ['{marker}']\n"
        "c: !foo 1\n"
        "d: !!timestamp 2020-01-01\n"
        "e: !!str 12\n"
        "f: !!float 1\n"
        "g: ! 12\n"
        "h: !!int x\n"
    )
    path = tmp_path / "tags.yaml"
    path.write_text(text)
    with pytest.raises(SpecFileError) as err:
        load_spec_file(path)
    assert not marker.exists()
    got = [(p.line, p.field) for p in err.value.problems]
    assert got == [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (8, "h")]
    assert "!!python/object/apply:os.system is not allowed" in err.value.problems[0].message
    doc = parse_spec_text("e: !!str 12\nf: !!float 1\ng: ! 12\nm: !!map {a: 1}\n", "yaml")
    assert doc.data == {"e": "12", "f": 1.0, "g": "12", "m": {"a": 1}}
    assert isinstance(doc.data["f"], float)


def test_yaml_aliases_bounded_and_copied() -> None:
    doc = parse_spec_text("a: &x [1, 2]\nb: *x\n", "yaml")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}
    assert doc.data["a"] is not doc.data["b"]
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, prev in zip("bcdefghi", "abcdefgh"):
        bomb.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    start = time.perf_counter()
    ((line, field, msg),) = _problems("\n".join(bomb) + "\n", "yaml")
    assert time.perf_counter() - start < 2.0
    assert line == 4
    assert field.startswith("d[")
    assert "too many nodes" in msg
    ((line, field, msg),) = _problems("a: *nowhere\n", "yaml")
    assert "could not parse yaml" in msg or "names no anchor" in msg


def test_yaml_one_document_and_syntax_errors() -> None:
    ((line, field, msg),) = _problems("a: 1\n---\nb: 2\n", "yaml")
    assert (line, field) == (2, "<document>")
    assert "one YAML document" in msg
    ((line, field, msg),) = _problems("a: 1\nb: [1, 2\nc: 3\n", "yaml")
    assert field == "<syntax>"
    assert line in (3, 4)
    assert "could not parse yaml" in msg


@pytest.mark.parametrize("fmt", ["yaml", "json", "toml"])
def test_nesting_is_bounded(fmt: str) -> None:
    deep = MAX_DEPTH + 5
    text = {
        "yaml": "a: " + "[" * deep + "]" * deep + "\n",
        "json": '{"a": ' + "[" * deep + "]" * deep + "}",
        "toml": "a = " + "[" * deep + "]" * deep + "\n",
    }[fmt]
    problems = _problems(text, fmt)
    assert len(problems) == 1
    assert "nesting deeper than" in problems[0][2]
    huge = 50_000  # past the interpreter's recursion limit: still a clear error
    text = {
        "yaml": "[" * huge + "]" * huge,
        "json": "[" * huge + "]" * huge,
        "toml": "a = " + "[" * huge + "]" * huge,
    }[fmt]
    assert "nesting" in _problems(text, fmt)[0][2]  # ours, or libyaml's own bound


# --------------------------------------------------------------------------- JSON
def test_json_locations_and_duplicates() -> None:
    doc = parse_spec_text('{"a": [1, {"b": 2}],\n "c": "x"}', "json")
    assert doc.locations["a[1].b"] == (1, 12)
    assert doc.locations["c"] == (2, 2)
    assert _problems('{"a": 1,\n "b": {"c": 2,\n   "c": 3}}', "json") == [
        (3, "b.c", "duplicate key (first given on line 2)")
    ]
    ((line, field, msg),) = _problems('{"a": 1,\n "b": }', "json")
    assert (line, field) == (2, "<syntax>")
    assert "could not parse json" in msg


# --------------------------------------------------------------------------- files
def test_files_encoding_suffix_and_errors(tmp_path: Path) -> None:
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'a = 1\nb = "ros\xe9ola"\n')
    with pytest.raises(SpecFileError) as err:
        load_spec_file(bad)
    (p,) = err.value.problems
    assert (p.file, p.line, p.field) == (str(bad), 2, "<encoding>")
    assert "not UTF-8" in p.message
    assert "column 9" in p.message
    bom = tmp_path / "bom.json"
    bom.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert load_spec_file(bom).data == {"a": 1}
    with pytest.raises(SpecError, match="unknown spec file suffix"):
        load_spec_file(tmp_path / "x.txt")
    with pytest.raises(ValidationError, match="cannot read"):
        load_spec_file(tmp_path / "missing.toml")
    with pytest.raises(SpecFileError, match="unknown spec file suffix"):
        load_spec_file(bom, formats=["toml"])


def test_mapping_and_locate(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    doc = load_spec_file(path)
    with pytest.raises(SpecFileError, match="must hold a table/mapping"):
        doc.mapping()
    doc = parse_spec_text("a:\n  b: 1\n", "yaml", name="f.yaml")
    rep = doc.locate([doc.problem("a.b.c", "bad")])
    (p,) = rep
    assert str(p) == "f.yaml:2: a.b.c: bad"
    assert isinstance(doc, SpecFile)
    assert doc.column("a.b") == 3


# ---------------------------------------------------------------- round trips
_text = st.text(alphabet="abcdefghij XYZ_-", min_size=1, max_size=8).filter(
    lambda s: s.strip() == s and resolve_core_scalar(s) == s
)
_scalars = st.one_of(
    _text,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
)
_data = st.dictionaries(
    _text,
    st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
        max_leaves=12,
    ),
    min_size=1,
    max_size=5,
)


def _paths(node: object, prefix: str = "") -> list[str]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            p = f"{prefix}.{k}" if prefix else k
            out += [p, *_paths(v, p)]
    elif isinstance(node, list):
        for i, v in enumerate(node):
            p = f"{prefix}[{i}]"
            out += [p, *_paths(v, p)]
    return out


@given(data=_data, fmt=st.sampled_from(["yaml", "json", "toml"]))
def test_round_trip_and_every_path_located(data: dict, fmt: str) -> None:
    from ppprog.simulate.spec_io import toml_dumps

    if fmt == "toml":
        text = toml_dumps(data)
    elif fmt == "yaml":
        text = yaml.safe_dump(data, sort_keys=False)
    else:
        text = json.dumps(data, indent=1)
    doc = parse_spec_text(text, fmt)
    assert doc.data == data
    for path in _paths(data):
        assert path in doc.locations, path


@pytest.mark.parametrize("libyaml", [True, False])
def test_both_yaml_parsers_agree(libyaml: bool) -> None:
    text = (
        "a: 1:40\nb: yes\nc: '12'\nd: [0o17, .inf, ~]\n"
        "e: !!str 3\nf: &x {g: 1}\nh: *x\n<<: *x\ni: !!python/name:os.system ''\n"
    )
    got = read_yaml12(text, libyaml=libyaml)
    assert got.data == {
        "a": "1:40",
        "b": "yes",
        "c": "12",
        "d": [15, math.inf, None],
        "e": "3",
        "f": {"g": 1},
        "h": {"g": 1},
        "i": None,
    }
    assert [(p[0], p[2]) for p in got.problems] == [("<<", 8), ("i", 9)]
    assert got.locations["h"] == (7, 1)
    assert got.locations["d[1]"] == (4, 11)
