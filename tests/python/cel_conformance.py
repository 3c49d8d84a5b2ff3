"""The CEL specification's conformance cases, as JSON lines for the clause-language test.

The cel-spec repository's `tests/simple/testdata/*.textproto` (SimpleTestFile messages)
are published on PyPI inside cel-python's source distribution (`features/`, captured at
cel-spec v0.24.0). `.ci/run` downloads that distribution; this script reads the files
named on the command line and prints one JSON object per test:

    {"file", "section", "name", "expr", "value" (or null), "eval_error" (bool),
     "disable_check" (bool), "has_bindings" (bool), "container" (bool)}

`value` is the expected value's message (`{"int64_value": 42}`, `{"bool_value": true}`,
...). The textproto is read by a small parser of the text format's subset these files
use: fields, nested messages, repeated fields, strings with C escapes, numbers, enums and
comments.
"""

import json
import re
import sys

TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>\#[^\n]*)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<punct>[{}:\[\],;<>])
      | (?P<word>[A-Za-z0-9_.+\-]+)
    )""",
    re.VERBOSE | re.DOTALL,
)


def tokens(text):
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                return
            raise ValueError(f"cannot read at {pos}: {text[pos:pos + 40]!r}")
        pos = m.end()
        if m.group("comment"):
            continue
        for kind in ("string", "punct", "word"):
            if m.group(kind) is not None:
                yield kind, m.group(kind)
                break


def unescape(lit):
    body = lit[1:-1]
    out = bytearray()
    i = 0
    raw = body.encode("utf-8")
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        n = chr(raw[i + 1])
        simple = {"n": 10, "t": 9, "r": 13, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8, "f": 12, "v": 11, "?": 63}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n in "uU":
            width = 4 if n == "u" else 8
            out.extend(chr(int(raw[i + 2:i + 2 + width], 16)).encode("utf-8", errors="replace"))
            i += 2 + width
        elif n == "x":
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        elif n.isdigit():
            out.append(int(raw[i + 1:i + 4], 8))
            i += 4
        else:
            raise ValueError(f"escape \\{n}")
    # Bytes literals may hold invalid UTF-8: such cases lie outside the clause language.
    return out.decode("utf-8", errors="replace")


class Tokens:
    def __init__(self, text):
        self.items = list(tokens(text))
        self.i = 0

    def next(self):
        if self.i >= len(self.items):
            raise StopIteration
        self.i += 1
        return self.items[self.i - 1]

    def peek(self):
        return self.items[self.i] if self.i < len(self.items) else (None, None)


def parse(toks, closing=None):
    msg = {}
    while True:
        try:
            kind, tok = toks.next()
        except StopIteration:
            if closing:
                raise ValueError("unclosed message")
            return msg
        if kind == "punct" and tok in "}>":
            return msg
        if kind == "punct" and tok in ",;":
            continue
        name = tok
        kind, tok = toks.next()
        if tok == ":":
            kind, tok = toks.next()
        if kind == "punct" and tok in "{<":
            value = parse(toks, "}")
        elif kind == "string":
            value = unescape(tok)
            # Adjacent string literals concatenate.
            while toks.peek()[0] == "string":
                value += unescape(toks.next()[1])
        elif kind == "punct" and tok == "[":
            value = []
            while True:
                kind, tok = toks.next()
                if tok == "]":
                    break
                if tok == ",":
                    continue
                if kind == "punct" and tok in "{<":
                    value.append(parse(toks, "}"))
                elif kind == "string":
                    value.append(unescape(tok))
                else:
                    value.append(tok)
        else:
            value = tok
        msg.setdefault(name, []).append(value)


def flat(v):
    """A message with each field that occurs once as a plain value."""
    if isinstance(v, dict):
        return {k: flat(x[0]) if len(x) == 1 else [flat(e) for e in x] for k, x in v.items()}
    if isinstance(v, list):
        return [flat(e) for e in v]
    return v


def one(msg, name, default=None):
    v = msg.get(name)
    return v[0] if v else default


def main(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        top = parse(Tokens(text))
        file_name = one(top, "name", path)
        for section in top.get("section", []):
            for test in section.get("test", []):
                expr = one(test, "expr")
                if expr is None:
                    continue
                print(json.dumps({
                    "file": file_name,
                    "section": one(section, "name", ""),
                    "name": one(test, "name", ""),
                    "expr": expr,
                    "value": flat(one(test, "value")),
                    "eval_error": "eval_error" in test,
                    "disable_check": one(test, "disable_check") == "true",
                    "has_bindings": "bindings" in test,
                    "container": "container" in test or "type_env" in test,
                }, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
