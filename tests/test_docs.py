"""README.md and docs/*.md cannot go stale: every Python block runs, every `python train.py …`
command parses, every relative link points at a file, and the README stays a front page.

Conventions for a page's fenced blocks:
- ```python blocks of one page run in order, in one namespace, in a temporary folder (so a block
  may use what an earlier block of the page defined);
- an HTML comment on the line before a block, ``<!-- doc-test: skip (reason) -->``, skips it with
  that reason (for a block that needs a finished run or a long training), and
  ``<!-- doc-test: needs-data -->`` runs it only when ``$MINITORCH_DATA`` points at the data sets;
- in ```bash blocks, every ``python train.py …`` line must parse with train.py's own parser and
  every ``python examples/X.py`` / ``benchmarks/X.py`` / ``scripts/X.py`` must exist.
"""
from __future__ import annotations

import os
import pathlib
import re
import shlex
from dataclasses import dataclass

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md"] + sorted((REPO / "docs").glob("*.md"))
# Pages linked from the README that are being written on other branches; a link to them is
# allowed to dangle until they land (and is checked like any other once they exist).
PENDING_PAGES = {"docs/RELIABILITY.md", "docs/DISTRIBUTED.md"}
README_LIMIT = 12 * 1024
FENCE = re.compile(r"^```(\w*)\s*$")
MARK = re.compile(r"<!--\s*doc-test:\s*(skip|needs-data)\b\s*(?:\((.*)\))?\s*-->")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@dataclass
class Block:
    page: pathlib.Path
    line: int           # 1-based line of the opening fence
    language: str
    code: str
    mark: str | None    # "skip", "needs-data" or None
    reason: str

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks_of(page: pathlib.Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening or not opening.group(1):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        previous = lines[index - 1] if index else ""
        mark = MARK.search(previous)
        blocks.append(Block(page, index + 1, opening.group(1), "\n".join(lines[index + 1:end]),
                            mark.group(1) if mark else None, (mark.group(2) or "") if mark else ""))
        index = end + 1
    return blocks


ALL_BLOCKS = [block for page in PAGES for block in blocks_of(page)]
PYTHON_PAGES = sorted({block.page for block in ALL_BLOCKS if block.language == "python"})


def _runs(block: Block) -> bool:
    return block.mark is None or (block.mark == "needs-data" and bool(os.environ.get("MINITORCH_DATA")))


@pytest.fixture
def registries_restored():
    """A page may add an entry to train.py's registries (to show how); take it out again afterwards."""
    from minitorch_nn.run.datasets import DATASETS
    from minitorch_nn.run.model_kinds import MODEL_KINDS
    from minitorch_nn.run.optimizers import OPTIMIZERS
    from minitorch_nn.run.schedules import SCHEDULES

    registries = (DATASETS, MODEL_KINDS, OPTIMIZERS, SCHEDULES)
    before = [set(registry) for registry in registries]
    yield
    for registry, names in zip(registries, before):
        for name in [name for name in registry if name not in names]:
            registry.remove(name)


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_python_blocks_run(page, tmp_path, monkeypatch, registries_restored):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__doc_test__"}
    for block in blocks_of(page):
        if block.language != "python" or not _runs(block):
            continue
        try:
            exec(compile(block.code, block.name, "exec"), namespace)
        except Exception as error:  # noqa: BLE001 - report which block broke, and how
            pytest.fail(f"the Python block at {block.name} fails: {type(error).__name__}: {error}")


SKIPPED = [block for block in ALL_BLOCKS if block.language == "python" and not _runs(block)]


@pytest.mark.parametrize("block", SKIPPED, ids=lambda block: block.name)
def test_marked_blocks_are_skipped_with_their_reason(block):
    assert block.reason or block.mark == "needs-data", f"{block.name}: say why in doc-test: skip (reason)"
    compile(block.code, block.name, "exec")   # it is still valid Python
    pytest.skip(f"{block.name}: {block.reason or 'needs $MINITORCH_DATA'}")


def _commands(block: Block) -> list[list[str]]:
    """The words of each command line of a bash block (comments and VAR=value prefixes dropped)."""
    commands = []
    for line in block.code.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words: list[str] = []
        for token in list(lexer) + [";"]:
            if token not in (";", "&&", "&", "|", "||"):
                words.append(token)
                continue
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words.pop(0)
            if words and words[0] != "export":
                commands.append(words)
            words = []
    return commands


BASH_BLOCKS = [block for block in ALL_BLOCKS if block.language == "bash"]


@pytest.mark.parametrize("block", BASH_BLOCKS, ids=lambda block: block.name)
def test_commands_name_real_flags_and_scripts(block):
    from minitorch_nn.run.cli import build_parser

    for words in _commands(block):
        if words[:1] != ["python"] or len(words) < 2:
            continue
        script = words[1]
        if script == "train.py":
            args = [word.replace("<time>", "20240101-120000") for word in words[2:] if word not in ("-h", "--help")]
            try:
                build_parser().parse_args(args)
            except SystemExit:
                pytest.fail(f"{block.name}: `{' '.join(words)}` is not a valid train.py command")
        elif script.endswith(".py"):
            assert (REPO / script).is_file(), f"{block.name}: {script} does not exist"


def _links(page: pathlib.Path):
    text = page.read_text(encoding="utf-8")
    for match in LINK.finditer(text):
        target = match.group(1)
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        yield target.split("#", 1)[0]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_relative_links_point_at_files(page):
    for target in _links(page):
        path = (page.parent / target).resolve()
        if path.exists():
            continue
        relative = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else str(path)
        assert relative in PENDING_PAGES, f"{page.relative_to(REPO)} links to {target}, which does not exist"


def test_readme_is_a_front_page():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= README_LIMIT, f"README.md is {len(text.encode())} bytes; keep it under 12 KB"
    first_screen = "\n".join(text.splitlines()[:50])
    assert "MINITORCH_DATA" in first_screen and "--data-dir" in first_screen and "mnist/" in first_screen
    for page in ("docs/ARCHITECTURE.md", *PENDING_PAGES):
        assert f"]({page})" in text, f"the README's map of docs/ lacks {page}"
    for page in sorted((REPO / "docs").glob("*.md")):
        assert f"](docs/{page.name})" in text, f"the README's map of docs/ lacks docs/{page.name}"


def test_the_readme_test_command_is_what_ci_runs():
    command = 'pip install -e ".[dev]" && python -m pytest -q'
    assert command in (REPO / "README.md").read_text(encoding="utf-8")
    assert command in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_every_config_and_example_script_is_documented():
    text = "".join(page.read_text(encoding="utf-8") for page in PAGES)
    for config in sorted((REPO / "configs").glob("*.toml")):
        assert f"configs/{config.name}" in text, f"configs/{config.name} is in no page"
    for script in sorted((REPO / "examples").glob("[!_]*.py")):
        assert f"examples/{script.name}" in text, f"examples/{script.name} is in no page"


def test_the_block_reader_sees_marks_and_commands(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n<!-- doc-test: skip (needs a run folder) -->\n```python\nx = 1\n```\n\n"
                    "```bash\nMINITORCH_DATA=/d python train.py --epochs 2  # note\n"
                    "python -c \"import a; print(a)\" && python examples/x.py\n```\n")
    python, bash = blocks_of(page)
    assert (python.language, python.mark, python.reason, python.code) == ("python", "skip", "needs a run folder", "x = 1")
    assert python.line == 3 and bash.mark is None
    assert _commands(bash) == [["python", "train.py", "--epochs", "2"], ["python", "-c", "import a; print(a)"],
                               ["python", "examples/x.py"]]
