"""Security: UI bound to localhost, no network at run time, no pickle or eval of input."""

import ast
import io
import os
import re
import socket
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from dagster_project import build, dataset

REPO = Path(__file__).resolve().parent.parent


def test_make_ui_binds_localhost_only() -> None:
    makefile = (REPO / "Makefile").read_text()
    ui = re.search(r"^ui:.*?(?=^\S|\Z)", makefile, flags=re.S | re.M)
    assert ui is not None
    commands = [ln.strip() for ln in ui.group(0).splitlines() if "dagster" in ln and " dev" in ln]
    assert commands, "no `dagster dev` command in the ui target"
    for cmd in commands:
        assert re.search(r"(?:-h|--host)\s+127\.0\.0\.1\b", cmd), cmd
        assert "0.0.0.0" not in cmd and "::" not in cmd


class NetworkBlocked(OSError):
    pass


# Loaded by every Python process of the build (on PYTHONPATH): a build runs its Dagster runs in spawned
# processes, which a monkeypatch of this one would not reach. Each process notes its pid; each attempt is logged.
_BLOCK_NETWORK = """
import os, socket

def _refuse(name):
    def refuse(*args, **kwargs):
        with open(os.environ["NETBLOCK_LOG"], "a") as fh:
            fh.write(f"{os.getpid()} {name} {args[1:2] if name.startswith('socket.') else args[:1]}\\n")
        raise OSError(f"network access attempted at run time: {name}")
    return refuse

for _name in ("connect", "connect_ex", "sendto"):
    setattr(socket.socket, _name, _refuse("socket." + _name))
for _name in ("create_connection", "getaddrinfo", "gethostbyname"):
    setattr(socket, _name, _refuse(_name))
with open(os.environ["NETBLOCK_PIDS"], "a") as fh:
    fh.write(f"{os.getpid()}\\n")
"""


@pytest.mark.integration
def test_build_succeeds_with_sockets_blocked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCK_NETWORK)
    log, pids = tmp_path / "attempts.log", tmp_path / "pids.log"
    monkeypatch.setenv("NETBLOCK_LOG", str(log))
    monkeypatch.setenv("NETBLOCK_PIDS", str(pids))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    attempts: list[str] = []

    def refuse(name: str):  # type: ignore[no-untyped-def]
        def _refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
            attempts.append(f"{name}{args[1:2] if name.startswith('socket.') else args[:1]}")
            raise NetworkBlocked(f"network access attempted at run time: {name}")

        return _refuse

    # This process too: every way out, connecting, resolving names, and creating internet sockets.
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(REPO / "raw"))
    monkeypatch.setenv("NEWSETL_CURATED_DIR", str(tmp_path / "curated"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    with pytest.raises(NetworkBlocked):  # the block is really in place
        socket.create_connection(("example.org", 80))
    attempts.clear()
    out = io.StringIO()
    with redirect_stdout(out):
        code = build.main([])
    assert code == 0, out.getvalue()
    assert attempts == []
    # The build ran in processes of its own, each with the block in place, and none of them tried the network.
    assert pids.is_file() and str(os.getpid()) not in pids.read_text().split(), "no build process loaded the block"
    assert not log.exists(), log.read_text()
    assert "published version 1.0.0" in out.getvalue()
    assert dataset.verify(root=tmp_path / "curated") == []
    # Intermediate tables are Parquet files, not pickles (sub-folders hold Dagster's text compute logs).
    tables = [p for p in (tmp_path / "home" / "storage").iterdir() if p.is_file()]
    assert len(tables) >= 7 and all(p.suffix == ".parquet" and p.read_bytes()[:4] == b"PAR1" for p in tables), tables
    for p in (tmp_path / "home" / "storage").rglob("*"):
        assert not (p.is_file() and p.read_bytes()[:1] == b"\x80"), f"pickle-like file {p}"


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                names.add(f.id)
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                names.add(f"{f.value.id}.{f.attr}")
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            names.update(f"import {m}" for m in mods if m)
    return names


def test_no_pickle_eval_or_exec_in_the_pipeline() -> None:
    banned = {"eval", "exec", "compile", "import pickle", "import dill", "import cloudpickle", "import marshal",
              "import shelve", "pickle.load", "pickle.loads", "yaml.load", "yaml.unsafe_load"}
    offenders = {}
    for path in sorted([*(REPO / "dagster_project").rglob("*.py"), *(REPO / "contracts").rglob("*.py")]):
        found = _calls(ast.parse(path.read_text(), filename=str(path))) & banned
        if found:
            offenders[str(path.relative_to(REPO))] = sorted(found)
    assert offenders == {}
