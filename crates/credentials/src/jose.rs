//! The JOSE pieces SD-JWT needs: unpadded base64url, Ed25519 JWKs (RFC 8037 `OKP`), and
//! compact JWS signed with `EdDSA`. Only `EdDSA` over Ed25519 is accepted: a token naming
//! any other algorithm (`none` included) is refused before any key is looked at.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use unchain_types::{PublicKey, Signature, SigningKey};

/// The one JWS algorithm accepted and produced.
pub const ALG: &str = "EdDSA";

/// Largest compact JWS accepted, in bytes (credentials with photos do not belong here).
pub const MAX_JWS: usize = 64 * 1024;

/// Why a JWS or JWK was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    /// Not three dot-separated parts.
    #[error("not a compact JWS (header.payload.signature)")]
    Shape,
    /// Too long.
    #[error("is {0} bytes; at most {MAX_JWS} allowed")]
    TooLong(usize),
    /// A part is not unpadded base64url.
    #[error("the {0} is not unpadded base64url")]
    Base64(&'static str),
    /// A part is not a JSON object.
    #[error("the {0} is not a JSON object")]
    Json(&'static str),
    /// The header names another algorithm.
    #[error("header alg is {0:?}; only \"EdDSA\" (Ed25519) is accepted")]
    Alg(String),
    /// The header's `typ` is not the expected one.
    #[error("header typ is {found:?}; expected {expected:?}")]
    Typ {
        /// What the header says.
        found: String,
        /// What this token must be.
        expected: String,
    },
    /// The signature does not verify under the key.
    #[error("the signature does not verify under the issuer's key")]
    Signature,
    /// A JWK that is not an Ed25519 public key.
    #[error("jwk: {0}")]
    Jwk(String),
}

/// Unpadded base64url.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url, refusing padding and other alphabets.
pub fn unb64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// An Ed25519 public key as a JWK (RFC 8037): `{"kty":"OKP","crv":"Ed25519","x":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The key, base64url.
    pub x: String,
}

impl Jwk {
    /// The JWK of `key`.
    pub fn of(key: &PublicKey) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: b64(&key.to_bytes()),
        }
    }

    /// Reads a JWK from JSON (extra members such as `kid` or `use` are ignored).
    pub fn from_value(v: &Value) -> Result<Jwk, JoseError> {
        let o = v
            .as_object()
            .ok_or_else(|| JoseError::Jwk("must be an object".into()))?;
        let get = |k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| JoseError::Jwk(format!("{k} is missing or not a string")))
        };
        let jwk = Jwk {
            kty: get("kty")?.into(),
            crv: get("crv")?.into(),
            x: get("x")?.into(),
        };
        jwk.key()?;
        Ok(jwk)
    }

    /// The public key, checked to be an Ed25519 point.
    pub fn key(&self) -> Result<PublicKey, JoseError> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(JoseError::Jwk(format!(
                "kty {:?} crv {:?}: only OKP Ed25519 keys are accepted",
                self.kty, self.crv
            )));
        }
        let bytes: [u8; 32] = unb64(&self.x)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| JoseError::Jwk("x is not 32 bytes of base64url".into()))?;
        let key = PublicKey::from_bytes(bytes).map_err(|e| JoseError::Jwk(e.to_string()))?;
        key.check_point()
            .map_err(|e| JoseError::Jwk(e.to_string()))?;
        Ok(key)
    }

    /// As a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a JWK serialises")
    }
}

/// Signs `payload` as a compact JWS with `header` (to which `alg` is added).
pub fn sign(mut header: Map<String, Value>, payload: &Value, key: &SigningKey) -> String {
    header.insert("alg".into(), ALG.into());
    let h = b64(&serde_json::to_vec(&Value::Object(header)).expect("a JSON header serialises"));
    let p = b64(&serde_json::to_vec(payload).expect("a JSON payload serialises"));
    let input = format!("{h}.{p}");
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

/// A compact JWS split and decoded, its signature not yet checked.
#[derive(Debug, Clone)]
pub struct Jws {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload.
    pub payload: Map<String, Value>,
    signing_input: String,
    signature: Signature,
}

impl Jws {
    /// Splits and decodes `compact`, checking that `alg` is `EdDSA` and, when `typ` is
    /// given, that the header's `typ` is that.
    pub fn parse(compact: &str, typ: Option<&str>) -> Result<Jws, JoseError> {
        if compact.len() > MAX_JWS {
            return Err(JoseError::TooLong(compact.len()));
        }
        let mut parts = compact.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JoseError::Shape);
        };
        let object = |part: &str, what: &'static str| -> Result<Map<String, Value>, JoseError> {
            let bytes = unb64(part).ok_or(JoseError::Base64(what))?;
            // I-JSON: a claim named twice is refused (RFC 7515 §5.2 allows either).
            match unchain_types::ijson::from_slice(&bytes) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(JoseError::Json(what)),
            }
        };
        let header = object(h, "header")?;
        let payload = object(p, "payload")?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        if alg != ALG {
            return Err(JoseError::Alg(alg.into()));
        }
        if let Some(expected) = typ {
            let found = header.get("typ").and_then(Value::as_str).unwrap_or("");
            if found != expected {
                return Err(JoseError::Typ {
                    found: found.into(),
                    expected: expected.into(),
                });
            }
        }
        let sig: [u8; 64] = unb64(s)
            .and_then(|b| b.try_into().ok())
            .ok_or(JoseError::Base64("signature"))?;
        Ok(Jws {
            header,
            payload,
            signing_input: format!("{h}.{p}"),
            signature: Signature::from_bytes(sig),
        })
    }

    /// Checks the signature under `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), JoseError> {
        if key.verify(&self.signature, self.signing_input.as_bytes()) {
            Ok(())
        } else {
            Err(JoseError::Signature)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8037_ed25519_jws_example() {
        // RFC 8037, appendix A.4: the Ed25519 signature of "Example of Ed25519 signing".
        let seed = unb64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A").expect("d");
        let key = SigningKey::from_seed(seed.try_into().expect("32 bytes"));
        let jwk = Jwk::of(&key.public_key());
        assert_eq!(jwk.x, "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        let signing_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let sig = key.sign(signing_input.as_bytes());
        assert_eq!(
            b64(&sig.to_bytes()),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
        let compact = format!("{signing_input}.{}", b64(&sig.to_bytes()));
        let jws = Jws::parse(&compact, None).map_err(|e| e.to_string());
        // The RFC's payload is not a JSON object, which this module refuses for tokens.
        assert_eq!(
            jws.err().as_deref(),
            Some("the payload is not a JSON object")
        );
    }

    #[test]
    fn other_algorithms_and_tampering_are_refused() {
        let key = SigningKey::from_seed([7; 32]);
        let mut header = Map::new();
        header.insert("typ".into(), "kb+jwt".into());
        let jws = sign(header, &serde_json::json!({"a": 1}), &key);
        let parsed = Jws::parse(&jws, Some("kb+jwt")).expect("parses");
        parsed.verify(&key.public_key()).expect("verifies");
        assert!(matches!(
            Jws::parse(&jws, Some("dc+sd-jwt")),
            Err(JoseError::Typ { .. })
        ));
        let other = SigningKey::from_seed([8; 32]).public_key();
        assert_eq!(parsed.verify(&other), Err(JoseError::Signature));
        let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(br#"{"a":1}"#));
        assert_eq!(
            Jws::parse(&none, None).err(),
            Some(JoseError::Alg("none".into()))
        );
        let mut parts: Vec<&str> = jws.split('.').collect();
        let forged = b64(br#"{"a":2}"#);
        parts[1] = &forged;
        let forged = parts.join(".");
        let parsed = Jws::parse(&forged, None).expect("parses");
        assert_eq!(parsed.verify(&key.public_key()), Err(JoseError::Signature));
    }
}
