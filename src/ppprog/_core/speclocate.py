"""Line and column of every key of a TOML or JSON text.

:mod:`tomllib` and :mod:`json` return values without positions. These
scanners walk a text that the standard parser has already accepted and
record, for every key and list item, its dotted path (``"methods[0].ties"``,
the form of :attr:`ppprog._core.errors.Problem.field`) and its 1-based line and
column. They never decide what a value is; the standard parsers do. The JSON
scanner also reports duplicate keys, which :func:`json.loads` silently
resolves to the last one.
"""

from __future__ import annotations

import bisect
import json

__all__ = ["toml_locations", "json_locations"]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)
        self.starts = [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]
        self.out: dict[str, tuple[int, int]] = {"": (1, 1)}

    def pos(self, at: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, at)
        return line, at - self.starts[line - 1] + 1

    def peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces (and, with ``newlines``, line breaks and comments)."""
        while self.i < self.n:
            c = self.s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#" and newlines:
                while self.i < self.n and self.s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def quoted(self, quote: str, escapes: bool) -> str:
        """Read a one-line quoted string starting at ``self.i``; return its text."""
        start = self.i
        self.i += 1
        while self.i < self.n and self.s[self.i] != quote:
            self.i += 2 if escapes and self.s[self.i] == "\\" else 1
        self.i += 1
        raw = self.s[start : self.i]
        if not escapes:
            return raw[1:-1]
        try:
            return str(json.loads(raw))
        except ValueError:  # a TOML-only escape (\e, \U...): the raw text is close enough
            return raw[1:-1]

    def value(self, path: str) -> None:
        """Skip the value at ``self.i`` (recording the paths inside it)."""
        raise NotImplementedError

    def mark(self, path: str) -> None:
        """Record that ``path`` starts at ``self.i``."""
        self.out[path] = self.pos(self.i)

    def array(self, path: str) -> None:
        """Skip an array, marking each item ``path[k]``."""
        self.i += 1
        k = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() in ("]", ""):
                self.i += 1
                return
            item = f"{path}[{k}]"
            self.mark(item)
            self.value(item)
            k += 1
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.i += 1

    def multiline(self, quote: str) -> None:
        """Skip a TOML multi-line string (closing delimiter may be followed by 1-2 quotes)."""
        delim = quote * 3
        self.i += 3
        while self.i < self.n:
            if quote == '"' and self.s[self.i] == "\\":
                self.i += 2
            elif self.s.startswith(delim, self.i):
                self.i += 3
                while self.i < self.n and self.s[self.i] == quote:
                    self.i += 1
                return
            else:
                self.i += 1


class _Toml(_Scanner):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.aot: dict[str, int] = {}

    def run(self) -> dict[str, tuple[int, int]]:
        prefix = ""
        while True:
            self.skip_blank(newlines=True)
            if self.i >= self.n:
                return self.out
            if self.peek() == "[":
                prefix = self.header()
            else:
                self.key_value(prefix)

    def header(self) -> str:
        double = self.s.startswith("[[", self.i)
        self.i += 2 if double else 1
        keys = self.keys()
        self.i += 2 if double else 1
        path = ""
        for n, (key, at) in enumerate(keys):
            path = _join(path, key)
            last = n == len(keys) - 1
            if last and double:
                self.aot[path] = self.aot.get(path, 0) + 1
            if path in self.aot:
                path = f"{path}[{self.aot[path] - 1}]"
            self.out.setdefault(path, self.pos(at))
        return path

    def keys(self) -> list[tuple[str, int]]:
        out = []
        while True:
            self.skip_blank(newlines=False)
            at = self.i
            c = self.peek()
            if c in "\"'":
                out.append((self.quoted(c, escapes=c == '"'), at))
            else:
                while self.i < self.n and self.s[self.i] in _BARE:
                    self.i += 1
                out.append((self.s[at : self.i], at))
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return out
            self.i += 1

    def key_value(self, prefix: str) -> None:
        path = prefix
        for key, at in self.keys():
            path = _join(path, key)
            self.out.setdefault(path, self.pos(at))
        self.skip_blank(newlines=False)
        self.i += 1  # "="
        self.skip_blank(newlines=False)
        self.value(path)

    def value(self, path: str) -> None:
        c = self.peek()
        if c == "{":
            self.i += 1
            while True:
                self.skip_blank(newlines=True)
                if self.peek() in ("}", ""):
                    self.i += 1
                    return
                self.key_value(path)
                self.skip_blank(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif c == "[":
            self.array(path)
        elif c in "\"'":
            if self.s.startswith(c * 3, self.i):
                self.multiline(c)
            else:
                self.quoted(c, escapes=c == '"')
        else:
            while self.i < self.n and self.s[self.i] not in ",]}\n#":
                self.i += 1

    def mark(self, path: str) -> None:
        """Record that ``path`` starts here (TOML: the first definition wins)."""
        self.out.setdefault(path, self.pos(self.i))


class _Json(_Scanner):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.duplicates: list[tuple[str, int, int, int]] = []

    def value(self, path: str) -> None:
        self.skip_blank(newlines=True)
        c = self.peek()
        if c == "{":
            self.obj(path)
        elif c == "[":
            self.array(path)
        elif c == '"':
            self.quoted('"', escapes=True)
        else:
            while self.i < self.n and self.s[self.i] not in ",]} \t\r\n":
                self.i += 1

    def obj(self, path: str) -> None:
        self.i += 1
        seen: dict[str, int] = {}
        while True:
            self.skip_blank(newlines=True)
            if self.peek() in ("}", ""):
                self.i += 1
                return
            at = self.i
            key = self.quoted('"', escapes=True)
            sub = _join(path, key)
            line, col = self.pos(at)
            if key in seen:
                self.duplicates.append((sub, seen[key], line, col))
            else:
                seen[key] = line
                self.out[sub] = (line, col)
            self.skip_blank(newlines=True)
            self.i += 1  # ":"
            self.value(sub)
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.i += 1


def toml_locations(text: str) -> dict[str, tuple[int, int]]:
    """Map each key and array item of a valid TOML text to its (line, column).

    Parameters
    ----------
    text : str
        TOML that :mod:`tomllib` has accepted.

    Returns
    -------
    dict of str to (int, int)
        1-based positions by dotted path; arrays of tables are indexed
        (``"methods[1].name"``); the first definition of a path wins.
    """
    return _Toml(text).run()


def json_locations(
    text: str,
) -> tuple[dict[str, tuple[int, int]], list[tuple[str, int, int, int]]]:
    """Map each key and array item of a valid JSON text to its (line, column).

    Parameters
    ----------
    text : str
        JSON that :func:`json.loads` has accepted.

    Returns
    -------
    locations : dict of str to (int, int)
        1-based positions by dotted path.
    duplicates : list of (str, int, int, int)
        ``(path, first_line, line, column)`` of every repeated key.
    """
    scanner = _Json(text)
    scanner.value("")
    return scanner.out, scanner.duplicates
