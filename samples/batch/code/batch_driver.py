"""Sample batch scoring script: the sample's tiny linear model (samples/score/model) over CSV
files, run by a batch endpoint's model deployment as the cluster's identity.

Azure ML's batch contract (how-to-batch-scoring-script): ``init()`` runs once per scoring process
and ``run(mini_batch)`` once per mini-batch, a list of input file paths; each element it returns
is one scored row (with ``output_action: AppendRow`` every returned row lands in one output file,
``predictions.csv`` by default). No credentials: Azure ML mounts the model and the input for the
job as the cluster's identity and the invoker's.

Input: CSV files whose rows are three numbers (``data/rows.csv``). Output rows: ``file,row,label,
score``.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path
from typing import Any

MODEL_FILE = "model.json"
LABELS = {"0": "decline", "1": "approve"}

model: dict[str, Any] = {}


def load_model(model_dir: Path) -> dict[str, Any]:
    """The model file under ``model_dir``; Azure ML mounts the registered folder below it."""
    found = sorted(model_dir.rglob(MODEL_FILE))
    if not found:
        raise RuntimeError(f"no {MODEL_FILE} under {model_dir}")
    loaded: dict[str, Any] = json.loads(found[0].read_text())
    return loaded


def init() -> None:
    """Load the model Azure ML mounted at ``AZUREML_MODEL_DIR``."""
    global model
    model_dir = os.environ.get("AZUREML_MODEL_DIR")
    if not model_dir:
        raise RuntimeError("environment variable AZUREML_MODEL_DIR is not set; Azure ML sets it")
    model = load_model(Path(model_dir))
    logging.info("model %s loaded", model.get("name"))


def score(row: list[str]) -> tuple[str, float]:
    """The label and score of one row of numbers."""
    weights = model["weights"]
    if len(row) != len(weights):
        raise ValueError(f"each row needs {len(weights)} numbers, not {len(row)}")
    value = sum(w * float(x) for w, x in zip(weights, row, strict=True)) + model["bias"]
    return LABELS[str(int(value >= model["threshold"]))], round(value, 6)


def run(mini_batch: list[str]) -> list[str]:
    """Score every row of every CSV file of ``mini_batch``: one ``file,row,label,score`` line
    each (a file that cannot be scored fails alone, and counts against the error threshold)."""
    scored = []
    for path in mini_batch:
        name = Path(path).name
        with open(path, newline="") as rows:
            for i, row in enumerate(csv.reader(rows)):
                if row:
                    label, value = score(row)
                    scored.append(f"{name},{i},{label},{value}")
    return scored
