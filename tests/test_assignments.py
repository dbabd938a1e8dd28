"""One parser for ``key=value`` assignments: ``python -m snnlab train --set`` and ``python -m snnlab.nbrun -p``."""
from __future__ import annotations

import math

import pytest

from snnlab import cli, nbrun
from snnlab.config import parse_assignments, parse_value
from snnlab.notebook import NotebookParameterError

CASES = {
    "1e-3": 1e-3, "3": 3, "-2": -2, "0.5": 0.5, "1.": 1.0, ".5": 0.5, "+3": 3, "1_000": 1000, "2.0": 2.0,
    "true": True, "False": False, "none": None, "null": None, "None": None,
    "[8,16]": [8, 16], "[8, 16]": [8, 16], "[0.5, 2]": [0.5, 2], '{"tau": 1.1}': {"tau": 1.1},
    "{quick-clif-fmnist: {taus: [1.1, 2.0], k_values: [1, 0]}}": {"quick-clif-fmnist": {"taus": [1.1, 2.0],
                                                                                        "k_values": [1, 0]}},
    "clif": "clif", "quick-klif-fmnist-{neuron}": "quick-klif-fmnist-{neuron}", '"3"': "3", "yes": "yes",
    "a b": "a b", "": "",
}


def _via_set(items):
    """What `python -m snnlab train CONFIG --set ...` hands to RunConfig.replace."""
    args = cli._parser().parse_args(["train", "smoke-lif", *sum((["--set", i] for i in items), [])])
    return cli.parse_assignments(args.sets)


def _via_p(items):
    """What `python -m snnlab.nbrun NB -p ...` hands to the notebook parameters."""
    return nbrun.parse_assignments(items)


@pytest.mark.parametrize("text", list(CASES))
def test_set_and_p_parse_the_same_values_to_the_same_types(text):
    item = f"x={text}"
    a, b = _via_set([item])["x"], _via_p([item])["x"]
    want = CASES[text]
    assert a == want and b == want
    assert type(a) is type(b) is type(want)
    if isinstance(want, list):
        assert [type(v) for v in a] == [type(v) for v in b] == [type(v) for v in want]


def test_lr_1e_3_is_a_float_everywhere():
    assert _via_set(["lr=1e-3"]) == _via_p(["lr=1e-3"]) == {"lr": 0.001}
    assert isinstance(_via_p(["lr=1e-3"])["lr"], float)


def test_non_finite_and_odd_literals_stay_explicit():
    assert math.isinf(parse_value("Infinity")) and math.isnan(parse_value("NaN"))  # JSON's spelling only
    assert parse_value("inf") == "inf" and parse_value("nan") == "nan"
    assert parse_value("0x10") == "0x10"


def test_bad_assignments_name_the_option():
    with pytest.raises(ValueError, match="--set expects key=value"):
        parse_assignments(["lr"])
    with pytest.raises(NotebookParameterError, match="-p expects key=value"):
        nbrun.parse_assignments(["seeds"])
    with pytest.raises(ValueError, match="list or dict"):
        parse_value("[1, 2")


def test_round_trip_through_runconfig_replace():
    from snnlab.experiments import get

    cfg = get("smoke-lif").replace(**parse_assignments(["lr=1e-3", "model_params.channels=[2,4]",
                                                        "neuron_params.tau=1.5", "k_trunc=none"]))
    assert (cfg.lr, list(cfg.model_params["channels"]), cfg.neuron_params["tau"], cfg.k_trunc) == \
        (1e-3, [2, 4], 1.5, None)
