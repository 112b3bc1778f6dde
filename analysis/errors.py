"""The one exception for unusable input: which file, row and column, and what was expected."""

from __future__ import annotations

from pathlib import Path

from analysis.words.labels import has_label, pair


class InputError(Exception):
    """Input that cannot be used at all: the run stops and the CLI exits with 2."""

    def __init__(
        self,
        kind: str,
        file: str | Path,
        *,
        row: int | None = None,
        column: str | None = None,
        expected: str = "",
        found: object = None,
    ) -> None:
        if not has_label(f"input.{kind}"):
            raise ValueError(f"unknown input error kind {kind!r}")
        self.kind = kind
        self.file = str(file)
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        super().__init__(self.message())

    def location(self) -> str:
        """Return 'file, row R, column C' with the parts that are known."""
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def message(self) -> str:
        """Return the one-line message the CLI prints: where, what, Chinese then English."""
        zh, en = pair(f"input.{self.kind}")
        if self.kind == "usage":
            return f"{self.file}: {zh} / {en}: {self.expected}"
        text = f"{self.location()}: {zh} / {en}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.found is not None:
            found = str(self.found).replace("\n", " ")
            if len(found) > 60:
                found = found[:57] + "..."
            text += f", found {found!r}"
        return text

    def as_dict(self) -> dict[str, object]:
        """Return the error as plain data (for JSON output and run manifests)."""
        return {
            "kind": self.kind,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "expected": self.expected,
            "found": None if self.found is None else str(self.found),
            "message": self.message(),
        }
