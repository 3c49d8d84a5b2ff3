#!/usr/bin/env python3
"""An independent RFC 9421 peer for Unchain's signed API requests.

Uses `http-message-signatures` (PyPI, pyauth), which shares no code with Unchain, to

  sign   SEED_HEX MEMBER METHOD URL BODY_FILE|-   print the fields to add, as JSON
  verify PUBLIC_HEX METHOD URL FIELDS_JSON BODY_FILE|-
                                              verify fields a Rust signer made; print what
                                              was verified, as JSON; exit 1 if it fails

`sign` covers what Unchain's profile asks (@method, @authority, @path, @query, and
content-digest when there is a body, which this side digests with SHA-512 to exercise the
node's second algorithm), with a nonce. `verify` requires the same coverage.
"""

import datetime
import json
import secrets
import sys

from cryptography.hazmat.primitives.asymmetric import ed25519
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)
from http_message_signatures.structures import CaseInsensitiveDict

REQUIRED = ("@method", "@authority", "@path", "@query")


class Message:
    """The request interface the library reads: method, absolute URL, fields."""

    def __init__(self, method, url, headers=None):
        self.method = method
        self.url = url
        self.headers = CaseInsensitiveDict(headers or {})


class Sha512Digest(ContentDigest):
    algorithm = "sha-512"


class Signer(HTTPMessageSigner):
    content_digest_class = Sha512Digest


def body_of(path):
    if path == "-":
        return b""
    with open(path, "rb") as f:
        return f.read()


def sign(seed_hex, member, method, url, body_file):
    body = body_of(body_file)
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    resolver = MappingKeyResolver(public_keys={}, private_keys={member: key})
    message = Message(method, url)
    Signer(signature_algorithm=algorithms.ED25519, key_resolver=resolver).sign(
        message,
        key_id=member,
        created=datetime.datetime.now(datetime.timezone.utc),
        nonce=secrets.token_urlsafe(16),
        label="py",
        covered_component_ids=REQUIRED,
        body=body if body else None,
    )
    print(json.dumps(dict(message.headers.items())))


def verify(public_hex, method, url, fields_json, body_file):
    body = body_of(body_file)
    fields = json.loads(fields_json)
    key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
    keyid = None
    for name, value in fields:
        if name.lower() == "signature-input" and 'keyid="' in value:
            keyid = value.split('keyid="', 1)[1].split('"', 1)[0]
    resolver = MappingKeyResolver(public_keys={keyid: key}, private_keys={})
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    verifier.max_clock_skew = datetime.timedelta(seconds=300)
    required = REQUIRED + (("content-digest",) if body else ())
    message = Message(method, url, fields)
    try:
        results = verifier.verify(
            message,
            max_age=datetime.timedelta(seconds=300),
            require_components=required,
            body=body if body else None,
        )
    except InvalidSignature as e:
        print(json.dumps({"verified": False, "reason": str(e)}))
        sys.exit(1)
    r = results[0]
    print(
        json.dumps(
            {
                "verified": True,
                "label": r.label,
                "keyid": r.parameters.get("keyid"),
                "alg": r.parameters.get("alg"),
                "covered": [str(c) for c in r.covered_components],
                "body_checked": r.body is not None,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "sign":
        sign(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "verify":
        verify(*sys.argv[2:])
    else:
        sys.exit(__doc__)
