"""The one exception for unusable input: which file, row and column, and what was expected."""

from __future__ import annotations

from pathlib import Path

# Each kind of unusable input, with what a person should read in Chinese and English.
INPUT_ERROR_KINDS: dict[str, tuple[str, str]] = {
    "missing_file": ("找不到文件", "file not found"),
    "not_a_file": ("不是普通文件", "not a regular file"),
    "unreadable": ("无法读取", "cannot be read"),
    "too_large": ("超出可读取的上限", "beyond what can be read"),
    "repeated": ("重复出现", "appears twice"),
    "unwritable": ("无法写入", "cannot be written"),
    "would_overwrite": ("已有同名文件，未加 --force 不覆盖", "holds files it would replace"),
    "empty_file": ("文件为空", "file is empty"),
    "bad_encoding": ("无法识别文件编码", "unreadable encoding"),
    "malformed": ("表格结构有误", "malformed table"),
    "missing_column": ("缺少列", "missing column"),
    "missing_value": ("缺少必填值", "missing value"),
    "not_a_number": ("应为数字", "not a number"),
    "too_precise": ("金额精度超过 0.01 元", "amount finer than 0.01 yuan"),
    "out_of_range": ("金额超出范围", "amount out of range"),
    "unknown_unit": ("未知金额单位", "unknown unit"),
    "bad_value": ("取值无效", "invalid value"),
    "no_match": ("数据中没有符合条件的项目", "no project in the data matches"),
    "usage": ("用法错误", "usage error"),
}


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
        if kind not in INPUT_ERROR_KINDS:
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
        zh, en = INPUT_ERROR_KINDS[self.kind]
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
