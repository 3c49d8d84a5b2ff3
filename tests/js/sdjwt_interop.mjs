// SD-JWT interoperability peer: the OpenWallet Foundation's TypeScript libraries
// (@sd-jwt/core, @sd-jwt/crypto-nodejs) issuing, presenting and verifying, driven by
// crates/credentials/tests/interop.rs with the same protocol as
// tests/python/sdjwt_interop.py: one JSON request on stdin, one JSON answer on stdout.
//
// - {"op": "issue", "claims", "sd": [names], "issuer_jwk" (private OKP), "holder_jwk", "kid"} -> {"sd_jwt"}
// - {"op": "present", "sd_jwt", "disclose": [names], "holder_jwk" (private), "aud", "nonce"} -> {"presentation"}
// - {"op": "verify", "presentation", "issuer_jwk", "aud", "nonce"} -> {"claims"} or {"error"}
//
// Ed25519 signing and verification are Node's own (node:crypto); the library does the rest.
// It checks the key binding's nonce but not its audience, so this peer checks `aud` itself.
import { SDJwtInstance } from "@sd-jwt/core";
import { digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";

const hasher = (data, alg) => digest(data, alg);
const signer = (jwk) => {
  const key = createPrivateKey({ key: jwk, format: "jwk" });
  return async (data) => sign(null, Buffer.from(data), key).toString("base64url");
};
const verifier = (jwk) => {
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
  return async (data, sig) => verify(null, Buffer.from(data), key, Buffer.from(sig, "base64url"));
};

async function issue(req) {
  const sdjwt = new SDJwtInstance({
    signer: signer(req.issuer_jwk), signAlg: "EdDSA", hasher, hashAlg: "sha-256", saltGenerator: generateSalt,
  });
  const { d, ...holder } = req.holder_jwk;
  const claims = { ...req.claims, cnf: { jwk: holder } };
  const token = await sdjwt.issue(claims, { _sd: req.sd }, { header: { typ: "dc+sd-jwt", kid: req.kid } });
  return { sd_jwt: token };
}

async function present(req) {
  const sdjwt = new SDJwtInstance({
    hasher, hashAlg: "sha-256", saltGenerator: generateSalt, kbSigner: signer(req.holder_jwk), kbSignAlg: "EdDSA",
  });
  const frame = Object.fromEntries(req.disclose.map((n) => [n, true]));
  const presentation = await sdjwt.present(req.sd_jwt, frame, {
    kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: req.aud, nonce: req.nonce } },
  });
  return { presentation };
}

async function check(req) {
  const sdjwt = new SDJwtInstance({
    hasher, hashAlg: "sha-256",
    verifier: verifier(req.issuer_jwk),
    kbVerifier: async (data, sig, payload) => verifier(payload.cnf.jwk)(data, sig),
  });
  try {
    const result = await sdjwt.verify(req.presentation, { keyBindingNonce: req.nonce });
    if (result.kb?.payload.aud !== req.aud) {
      return { error: `audience ${result.kb?.payload.aud} is not ${req.aud}` };
    }
    const claims = await sdjwt.getClaims(req.presentation);
    return { claims };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const req = JSON.parse(input);
const op = { issue, present, verify: check }[req.op];
process.stdout.write(JSON.stringify(await op(req)));
