"""Write the malformed cohort-spec corpus from the default resolution spec.

Run from the repository root: ``python tests/simulate/malformed/make_corpus.py``.
Each case is the default spec (TOML or YAML) with one edit (or several), and a
header ``# expect: LINE FIELD: fragment`` computed from where the edit landed.
The files are committed; this script only documents how they were made.
"""

from __future__ import annotations

from pathlib import Path

from ppprog.simulate.spec import CohortSpec

HERE = Path(__file__).parent

# name: (format, [(old, new)], [(line marker, field, fragment)])
CASES = {
    "unknown_key.toml": (
        "toml",
        [("ana_threshold = 160.0", "ana_threshold = 160.0\ntypo = 1")],
        [("typo = 1", "resolution.typo", "unknown key")],
    ),
    "misspelt_key.toml": (
        "toml",
        [("female = 0.65", "femalee = 0.65")],
        [
            ("femalee = 0.65", "resolution.population.femalee", "unknown key"),
            ("[resolution.population]", "resolution.population.female", "is required"),
        ],
    ),
    "wrong_type.toml": (
        "toml",
        [("smoker = 0.5", 'smoker = "half"')],
        [('smoker = "half"', "resolution.population.smoker", "must be a number, got 'half'")],
    ),
    "number_as_text.toml": (
        "toml",
        [("age_sd = 14.0", 'age_sd = "14"')],
        [('age_sd = "14"', "resolution.population.age_sd", "must be a number, got '14'")],
    ),
    "out_of_range.toml": (
        "toml",
        [("loss_rate = 0.01", "loss_rate = -0.1")],
        [("loss_rate = -0.1", "censoring.loss_rate", "must be a finite rate >= 0")],
    ),
    "bad_sum.toml": (
        "toml",
        [("none = 0.6", "none = 0.7")],
        [("[resolution.extent]", "resolution.extent", "must sum to 1")],
    ),
    "unknown_column.toml": (
        "toml",
        [("ana_high = 0.0", 'ana_high = 0.0\n"extent[huge]" = 1.0')],
        [("[resolution.log_hr]", "resolution.log_hr", "unknown design columns ['extent[huge]']")],
    ),
    "unknown_hazard.toml": (
        "toml",
        [('kind = "exponential"', 'kind = "exponentail"')],
        [('kind = "exponentail"', "resolution.baseline.kind", "unknown hazard kind")],
    ),
    "duplicate_key.toml": (
        "toml",
        [("smoker = 0.5", "smoker = 0.5\nsmoker = 0.4")],
        [("smoker = 0.4", "<syntax>", "Cannot overwrite a value")],
    ),
    "sexagesimal.yaml": (
        "yaml",
        [("administrative: 24.0", "administrative: 1:40")],
        [("administrative: 1:40", "censoring.administrative", "must be a number, got '1:40'")],
    ),
    "yes_no.yaml": (
        "yaml",
        [("smoker: 0.5", "smoker: yes")],
        [("smoker: yes", "resolution.population.smoker", "must be a number, got 'yes'")],
    ),
    "python_tag.yaml": (
        "yaml",
        [("name: resolution-default", 'name: !!python/object/apply:os.system ["touch MARKER"]')],
        [("name: !!python", "name", "tag !!python/object/apply:os.system")],
    ),
    "duplicate_key.yaml": (
        "yaml",
        [("  female: 0.65", "  female: 0.65\n    female: 0.3")],
        [("    female: 0.3", "resolution.population.female", "duplicate key")],
    ),
    "several.toml": (
        "toml",
        [
            ("smoker = 0.5", 'smoker = "half"'),
            ("loss_rate = 0.01", "loss_rate = -0.1"),
            ("ana_threshold = 160.0", "ana_threshold = 160.0\ncolour = 1"),
            ("none = 0.6", "none = 0.7"),
        ],
        [
            ('smoker = "half"', "resolution.population.smoker", "must be a number"),
            ("loss_rate = -0.1", "censoring.loss_rate", "must be a finite rate"),
            ("colour = 1", "resolution.colour", "unknown key"),
            ("[resolution.extent]", "resolution.extent", "must sum to 1"),
        ],
    ),
}


def main() -> None:
    spec = CohortSpec.default("resolution")
    texts = {"toml": spec.to_toml(), "yaml": spec.to_yaml()}
    for name, (fmt, edits, expects) in CASES.items():
        text = texts[fmt]
        for old, new in edits:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        lines = text.splitlines()
        header = []
        for marker, field, fragment in expects:
            (at,) = [i for i, line in enumerate(lines) if line.strip().startswith(marker.strip())]
            header.append((at, field, fragment))
        n = len(header)
        head = "".join(f"# expect: {at + 1 + n} {field}: {frag}\n" for at, field, frag in header)
        (HERE / name).write_text(head + text, encoding="utf-8")


if __name__ == "__main__":
    main()
