"""The sample batch scoring script, offline: the real model file, a mini-batch of real files."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SAMPLE = Path(__file__).resolve().parent.parent
MODEL = SAMPLE.parent / "score" / "model"  # the batch deployment scores with the same model


def driver(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("batch_driver", SAMPLE / "code" /
                                                  "batch_driver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(MODEL))
    module.init()
    return module


def test_a_mini_batch_scores_every_row_of_every_file(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    batch = driver(monkeypatch)
    other = tmp_path / "more.csv"
    other.write_text("0,0,1\n\n")
    assert batch.run([str(SAMPLE / "data" / "rows.csv"), str(other)]) == [
        "rows.csv,0,approve,0.7", "rows.csv,1,decline,-0.6", "rows.csv,2,approve,0.47",
        "more.csv,0,approve,0.2"]


def test_a_file_of_the_wrong_width_fails_in_words(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    batch = driver(monkeypatch)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n")
    with pytest.raises(ValueError, match="each row needs 3 numbers, not 2"):
        batch.run([str(bad)])


def test_without_the_model_dir_init_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZUREML_MODEL_DIR", raising=False)
    spec = importlib.util.spec_from_file_location("batch_driver_bare", SAMPLE / "code" /
                                                  "batch_driver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(RuntimeError, match="AZUREML_MODEL_DIR is not set"):
        module.init()
