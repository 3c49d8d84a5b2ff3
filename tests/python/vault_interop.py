"""Opens and seals Unchain vault envelopes with independent implementations: pyhpke (RFC 9180)
and the `cryptography` package's ChaCha20-Poly1305 -- so that a partner, a court or an
auditor can open a sealed record without Unchain's code.

  vault_interop.py open   < {"secret", "enc", "ct", "info", "record", "version", "sealed"}  -> plaintext on stdout
  vault_interop.py wrap   < {"public", "info", "key"}                                        -> {"wrapped": enc||ct hex}
Every value is hex.
"""
import json
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from pyhpke import AEADId, CipherSuite, KDFId, KEMId

SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.CHACHA20_POLY1305)


def h(v):
    return bytes.fromhex(v)


def open_record(req):
    sk = SUITE.kem.deserialize_private_key(h(req["secret"]))
    recipient = SUITE.create_recipient_context(h(req["enc"]), sk, info=h(req["info"]))
    content_key = recipient.open(h(req["ct"]), aad=b"")
    sealed = h(req["sealed"])
    assert sealed[0] == 1, "unknown format byte"
    aad = b"unchain/vault/v1/payload\0" + h(req["record"]) + struct.pack(">I", req["version"])
    plain = ChaCha20Poly1305(content_key).decrypt(sealed[1:13], sealed[13:], aad)
    sys.stdout.buffer.write(plain)


def wrap(req):
    pk = SUITE.kem.deserialize_public_key(h(req["public"]))
    enc, sender = SUITE.create_sender_context(pk, info=h(req["info"]))
    ct = sender.seal(h(req["key"]), aad=b"")
    print(json.dumps({"wrapped": (enc + ct).hex()}))


if __name__ == "__main__":
    {"open": open_record, "wrap": wrap}[sys.argv[1]](json.load(sys.stdin))
