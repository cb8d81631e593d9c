"""Content fingerprint of everything a build reads, so an unchanged project is not rebuilt.

Kept free of heavy imports: `catkg build` on an unchanged project answers from this alone.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import catkg

INPUT_GLOBS = ("ontology/*.ttl", "graph/**/*.ttl", "queries/checks/*.rq")


def input_files(root: Path) -> list[Path]:
    """Every file whose content decides the build's output."""
    return sorted({p for pattern in INPUT_GLOBS for p in root.glob(pattern) if p.is_file()})


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_digest() -> str:
    """sha256 over the package's own source, so a code change invalidates every cached result."""
    digest = hashlib.sha256(catkg.__version__.encode())
    package = Path(catkg.__file__).parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".js", ".css"):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def project_fingerprint(root: Path, options: dict[str, object]) -> str:
    """One digest of the inputs, the code and the build options."""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(json.dumps(options, sort_keys=True).encode())
    for path in input_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


def is_up_to_date(root: Path, out: Path, options: dict[str, object], expected: tuple[str, ...]) -> bool:
    """True if `out` was built from exactly the current inputs and still holds every output."""
    report = out / "report.json"
    if not report.is_file() or not all((out / name).exists() for name in expected):
        return False
    try:
        recorded = json.loads(report.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return False
    return recorded == project_fingerprint(root, options)
