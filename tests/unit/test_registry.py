"""Every registered analysis is fully described: the page and the CLI build on this alone."""

import json

import pytest

from pycore import ANALYSES, get
from pycore.registry import GROUPS

STABLE_IDS = {
    "metadata",
    "ela",
    "noise",
    "jpeg_ghost",
    "jpeg_grid",
    "double_jpeg",
    "cfa",
    "spectrum",
    "resampling",
    "enhance",
    "copy_move",
    "panels",
    "duplicates",
    "ai_generated",
    "manipulation",
}


@pytest.mark.parametrize("analysis_id", sorted(ANALYSES))
def test_analysis_is_described(analysis_id):
    entry = ANALYSES[analysis_id]
    assert analysis_id in STABLE_IDS
    assert entry.group in GROUPS
    assert len(entry.help) > 80 and "false alarm" in entry.help.lower()
    assert len(entry.method) > 40  # the module docstring names the method and its paper
    for spec in entry.params:
        assert spec.param.help
        assert spec.coerce(spec.default) == spec.default  # defaults lie inside their ranges
    json.dumps(entry.describe())


def test_parameters_are_coerced_and_checked():
    ela = get("ela")
    assert ela.resolve({"quality": "80"})["quality"] == 80
    with pytest.raises(ValueError, match="no parameter"):
        ela.resolve({"qualty": 80})
    with pytest.raises(ValueError, match="must be an integer"):
        ela.resolve({"quality": "high"})
    with pytest.raises(ValueError, match="one of luminance, colour"):
        ela.resolve({"channels": "red"})


def test_unknown_analysis_names_the_known_ones():
    with pytest.raises(KeyError, match=r"known: .*ela"):
        get("nope")
