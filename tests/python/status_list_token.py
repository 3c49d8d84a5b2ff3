#!/usr/bin/env python3
"""A credential's revocation status, checked as a verifier with no Unchain code would.

    status_list_token.py CREDENTIAL_FILE

Reads the SD-JWT credential, fetches the Status List Token at its `status.status_list.uri`
(IETF draft-ietf-oauth-status-list, `Accept: application/statuslist+jwt`), resolves the
issuer's DID over W3C DID Resolution's HTTP binding at the same origin, verifies the
credential's and the token's signatures with `jwcrypto` (PyPI), checks the token's `typ`,
`kid`, `sub` and `exp`, and reads the status at `idx`. Prints one JSON line:
{"status": "VALID" | "INVALID" | "SUSPENDED" | "UNKNOWN", ...}; exits 0 when the status was
read, 3 when no current token is served, 1 on a verification failure.
"""

import base64
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

from jwcrypto import jwk, jws

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def multikey_to_jwk(multikey):
    """An Ed25519 Multikey (z + base58btc(0xed01 + key)) as an OKP JWK."""
    if not multikey.startswith("z"):
        raise ValueError("not base58btc multibase")
    n = 0
    for c in multikey[1:]:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes(34, "big")
    if raw[:2] != b"\xed\x01":
        raise ValueError("not an Ed25519 Multikey")
    x = base64.urlsafe_b64encode(raw[2:]).rstrip(b"=").decode()
    return jwk.JWK(kty="OKP", crv="Ed25519", x=x)


def get(url, accept):
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers.get("Content-Type", ""), r.read()


def verified_payload(compact, key, typ=None):
    token = jws.JWS()
    token.deserialize(compact)
    token.verify(key, alg="EdDSA")
    header = token.jose_header
    if typ is not None and header.get("typ") != typ:
        raise ValueError(f"typ is {header.get('typ')!r}, not {typ!r}")
    return header, json.loads(token.payload)


def fail(code, **what):
    print(json.dumps(what))
    sys.exit(code)


def main(path):
    with open(path) as f:
        sd_jwt = f.read().strip()
    issuer_jwt = sd_jwt.split("~")[0]
    claims = json.loads(b64url(issuer_jwt.split(".")[1]))
    iss = claims["iss"]
    ref = claims["status"]["status_list"]
    uri, idx = ref["uri"], ref["idx"]
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in ("https", "http"):
        fail(1, status="UNKNOWN", reason=f"the status list {uri} is not an http(s) URL")
    origin = f"{parts.scheme}://{parts.netloc}"

    # The issuer's key, by DID resolution at the list's origin.
    _, doc = get(f"{origin}/v1/identity/dids/{urllib.parse.quote(iss, safe=':')}", "application/did+json")
    doc = json.loads(doc)
    methods = {m["id"]: m for m in doc.get("verificationMethod", [])}

    def key_for(header):
        kid = header.get("kid", "")
        if not kid.startswith(iss + "#") or kid not in methods:
            raise ValueError(f"kid {kid!r} is not a key of {iss}")
        if kid not in doc.get("assertionMethod", []):
            raise ValueError(f"kid {kid!r} may not assert")
        return multikey_to_jwk(methods[kid]["publicKeyMultibase"])

    try:
        token = jws.JWS()
        token.deserialize(issuer_jwt)
        verified_payload(issuer_jwt, key_for(token.jose_header))
    except Exception as e:  # noqa: BLE001 - any failure is a refusal
        fail(1, status="UNKNOWN", reason=f"the credential does not verify: {e}")

    try:
        content_type, body = get(uri, "application/statuslist+jwt")
    except urllib.error.HTTPError as e:
        fail(3, status="UNKNOWN", reason=f"no current status list token at {uri}: HTTP {e.code}")
    if content_type.split(";")[0].strip() != "application/statuslist+jwt":
        fail(1, status="UNKNOWN", reason=f"served as {content_type}")
    compact = body.decode().strip()
    try:
        t = jws.JWS()
        t.deserialize(compact)
        header, payload = verified_payload(compact, key_for(t.jose_header), typ="statuslist+jwt")
    except Exception as e:  # noqa: BLE001
        fail(1, status="UNKNOWN", reason=f"the token does not verify: {e}")
    if payload.get("sub") != uri:
        fail(1, status="UNKNOWN", reason=f"the token is for {payload.get('sub')!r}, not {uri!r}")
    if payload.get("exp", 0) <= time.time():
        fail(1, status="UNKNOWN", reason="the token has expired")
    bits = payload["status_list"]["bits"]
    lst = zlib.decompress(b64url(payload["status_list"]["lst"]))
    value = (lst[idx * bits // 8] >> ((idx * bits) % 8)) & ((1 << bits) - 1)
    name = {0: "VALID", 1: "INVALID", 2: "SUSPENDED"}.get(value, "APPLICATION_SPECIFIC")
    print(json.dumps({"status": name, "value": value, "idx": idx, "sub": uri, "issuer": iss,
                      "kid": header["kid"], "ttl": payload.get("ttl")}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
