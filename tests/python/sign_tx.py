#!/usr/bin/env python3
"""Build and sign an Unchain transaction with nothing but PyNaCl.

Proves the wire format is documented well enough for another language: RFC 8785 (JCS)
canonical JSON of the object without "signature" (and without "sidecar"), Ed25519 over
those bytes, signature as hex. For the kinds whose members are erasable
(crates/types/src/sidecar.rs), those members leave the body for the "sidecar"
{"salt", "fields"}, and the body names "erasable": SHA-256(salt || JCS(fields)).

usage: sign_tx.py SEED_HEX CHAIN_ID NONCE KIND BODY_JSON   -> prints the signed transaction
"""
import hashlib
import json
import os
import sys

from nacl.signing import SigningKey


def jcs(value):
    """RFC 8785 for the subset Unchain allows: safe integers, strings, bools, null, arrays, objects."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise ValueError("integers must be within ±(2^53 − 1)")
        return str(value)
    if isinstance(value, float):
        raise ValueError("Unchain transactions carry no floating-point numbers")
    if isinstance(value, str):
        # ensure_ascii=False escapes exactly what ECMAScript's JSON.stringify escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        # RFC 8785 §3.2.3: sort member names by their UTF-16 code units.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"cannot canonicalise {type(value)}")


ERASABLE = {
    "vault.seal": ["recipients", "subject", "tokens"],
    "vault.grant": ["wrapped_key"],
    "vault.retoken": ["tokens"],
}


def main():
    seed_hex, chain_id, nonce, kind, body = sys.argv[1:6]
    key = SigningKey(bytes.fromhex(seed_hex))
    tx = {
        "v": 1,
        "chain_id": chain_id,
        "sender": key.verify_key.encode().hex(),
        "nonce": int(nonce),
        "kind": kind,
        "body": json.loads(body),
    }
    fields = {k: tx["body"].pop(k) for k in ERASABLE.get(kind, []) if k in tx["body"]}
    sidecar = None
    if fields:
        salt = os.urandom(32)
        digest = hashlib.sha256(salt + jcs(fields).encode("utf-8")).hexdigest()
        tx["body"]["erasable"] = digest
        sidecar = {"salt": salt.hex(), "fields": fields}
    signing_bytes = jcs(tx).encode("utf-8")
    tx["signature"] = key.sign(signing_bytes).signature.hex()
    if sidecar:
        tx["sidecar"] = sidecar
    print(json.dumps(tx))


if __name__ == "__main__":
    main()
