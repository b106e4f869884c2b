"""examples/quickstart.ipynb runs from top to bottom in a fresh Jupyter kernel, in seconds."""
from __future__ import annotations

import pathlib

import pytest

NOTEBOOK = pathlib.Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


def test_the_quickstart_notebook_runs_and_shows_what_it_says(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="the notebook test needs the dev extra: pip install -e '.[dev]'")
    nbclient = pytest.importorskip("nbclient", reason="the notebook test needs the dev extra: pip install -e '.[dev]'")
    pytest.importorskip("ipykernel", reason="the notebook test needs the dev extra: pip install -e '.[dev]'")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    text = "".join(output.get("text", "") for output in outputs if output.output_type == "stream"
                   and output.name == "stdout")
    assert "epoch 15/15" in text and "test accuracy" in text
    accuracy = float(text.split("test accuracy ")[1].split("%")[0])
    assert accuracy > 90
    assert "gradient of parameter 'weight' is wrong" in text                 # gradcheck caught the broken layer
    assert any("image/png" in output.get("data", {}) for output in outputs)  # the curves, inline
    assert (tmp_path / "quickstart_curves.png").is_file()
    warnings = "".join(output.get("text", "") for output in outputs if output.get("name") == "stderr")
    assert "Warning" not in warnings
