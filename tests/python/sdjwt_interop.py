"""SD-JWT interoperability peer: the Python reference implementation (`sd-jwt` on PyPI,
OpenWallet Foundation labs) issuing, presenting and verifying, driven by
crates/credentials/tests/python_interop.rs.

Reads one JSON request on stdin and writes one JSON answer on stdout:

- {"op": "issue", "claims": {...}, "sd": [names], "issuer_jwk": {private OKP},
   "holder_jwk": {public OKP}, "kid": str}            -> {"sd_jwt": str}
- {"op": "present", "sd_jwt": str, "disclose": [names], "holder_jwk": {private OKP},
   "aud": str, "nonce": str}                           -> {"presentation": str}
- {"op": "verify", "presentation": str, "issuer_jwk": {public OKP},
   "aud": str | null, "nonce": str | null}             -> {"claims": {...}} or {"error": str}

The library signs and checks Key Binding JWTs with its module default algorithm, ES256;
our holders use Ed25519, so that default is set to EdDSA here. Nothing else is changed.
"""

import json
import sys

import sd_jwt.holder
import sd_jwt.verifier
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

sd_jwt.verifier.DEFAULT_SIGNING_ALG = "EdDSA"
sd_jwt.holder.DEFAULT_SIGNING_ALG = "EdDSA"


def issue(req):
    claims = {}
    for name, value in req["claims"].items():
        claims[SDObj(name) if name in req["sd"] else name] = value
    issuer = SDJWTIssuer(
        claims,
        JWK.from_json(json.dumps(req["issuer_jwk"])),
        holder_key=JWK.from_json(json.dumps(req["holder_jwk"])),
        sign_alg="EdDSA",
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": req["kid"]},
    )
    return {"sd_jwt": issuer.sd_jwt_issuance}


def present(req):
    holder = SDJWTHolder(req["sd_jwt"])
    holder.create_presentation(
        {name: True for name in req["disclose"]},
        nonce=req["nonce"],
        aud=req["aud"],
        holder_key=JWK.from_json(json.dumps(req["holder_jwk"])),
        sign_alg="EdDSA",
    )
    return {"presentation": holder.sd_jwt_presentation}


def verify(req):
    key = JWK.from_json(json.dumps(req["issuer_jwk"]))
    try:
        verifier = SDJWTVerifier(
            req["presentation"],
            lambda iss, header: key,
            expected_aud=req.get("aud"),
            expected_nonce=req.get("nonce"),
        )
        return {"claims": verifier.get_verified_payload()}
    except Exception as e:  # the reason goes back to the Rust test
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    req = json.load(sys.stdin)
    op = {"issue": issue, "present": present, "verify": verify}[req["op"]]
    json.dump(op(req), sys.stdout)


if __name__ == "__main__":
    main()
