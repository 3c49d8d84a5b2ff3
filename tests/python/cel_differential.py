"""The other CEL implementation for the clause language's differential test: cel-python
(celpy, a pure-Python implementation of Google's Common Expression Language, from PyPI).

Reads a JSON list of cases from standard input, each {"source": CEL, "facts": {...}}, and
writes a JSON list of results, one per case: true, false, or {"error": "..."} when the
expression does not compile, does not evaluate (overflow, division by zero, a missing
field), or answers something other than a bool.
"""

import json
import sys

import celpy
from celpy import celtypes


# cel-python computes the smallest integer modulo -1 as 0, where the CEL specification's
# reference implementation (cel-go, common/types/overflow.go, moduloInt64Checked) reports an
# overflow, as it does for the smallest integer divided by -1 — which cel-python also
# reports. The peer is brought to the reference here, on this one point, and the test's
# cases include it.
_INT64_MIN = -(2**63)
_mod = celtypes.IntType.__mod__


def _mod_checked(self, other):
    if int(self) == _INT64_MIN and int(other) == -1:
        raise ValueError("overflow")
    return _mod(self, other)


celtypes.IntType.__mod__ = _mod_checked


def to_cel(value):
    """JSON facts as CEL values: integers as int (never uint), no floats."""
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, list):
        return celtypes.ListType([to_cel(v) for v in value])
    if isinstance(value, dict):
        return celtypes.MapType({celtypes.StringType(k): to_cel(v) for k, v in value.items()})
    raise ValueError(f"not a fact: {value!r}")


def run(case):
    env = celpy.Environment()
    try:
        program = env.program(env.compile(case["source"]))
        result = program.evaluate({k: to_cel(v) for k, v in case["facts"].items()})
    except Exception as e:  # any refusal or evaluation error is an error result
        return {"error": f"{type(e).__name__}: {e}"}
    if isinstance(result, celtypes.BoolType):
        return bool(result)
    return {"error": f"not a bool: {result!r}"}


def main():
    cases = json.load(sys.stdin)
    json.dump([run(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
