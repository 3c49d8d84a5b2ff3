//! Status List Token (IETF draft-ietf-oauth-status-list, section 5.1): an issuer's status
//! list in a JWT it signs, so that a verifier with no Unchain code checks a credential's
//! status: fetch the credential's `status.status_list.uri` asking for
//! `application/statuslist+jwt`, check the issuer's signature, `sub` and `exp`, and read
//! the bits at `idx`.
//!
//! The header is `{"alg": "EdDSA", "typ": "statuslist+jwt", "kid": "<did>#<key>"}`; the
//! payload `{"sub": <the list's URI>, "iat", "exp", "ttl", "status_list": {"bits", "lst"}}`.

use crate::jose::{self, JoseError, Jws};
use crate::status::{EncodedList, StatusList, StatusListError};
use serde_json::{Map, Value, json};
use unchain_types::{PublicKey, SigningKey};

/// The token's JOSE `typ`.
pub const TYP: &str = "statuslist+jwt";

/// The token's media type (the draft's section 14.8 registration).
pub const MEDIA_TYPE: &str = "application/statuslist+jwt";

/// What a Status List Token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The list's URI, exactly as the credentials name it.
    pub sub: String,
    /// When it was signed, Unix seconds.
    pub iat: u64,
    /// When it stops being good, Unix seconds.
    pub exp: u64,
    /// How long, in seconds, a verifier may cache it.
    pub ttl: u64,
    /// The list.
    pub status_list: EncodedList,
}

/// Why a Status List Token was refused, naming the member at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a compact JWS this code accepts, or the signature does not verify.
    #[error("token: {0}")]
    Jose(#[from] JoseError),
    /// A claim is missing or of the wrong type.
    #[error("{0}: missing or not of its type")]
    Claim(&'static str),
    /// `kid` is missing.
    #[error("kid: missing; name the issuer's key as DID#fragment")]
    Kid,
    /// Past `exp`.
    #[error("exp: the token expired at {exp}; it is {now}")]
    Expired {
        /// `exp`.
        exp: u64,
        /// The time checked at.
        now: u64,
    },
    /// `exp` is not after `iat`.
    #[error("exp: {exp} is not after iat {iat}")]
    Window {
        /// `iat`.
        iat: u64,
        /// `exp`.
        exp: u64,
    },
    /// The list does not decode.
    #[error("status_list: {0}")]
    List(#[from] StatusListError),
}

/// Signs `claims` as the issuer key `kid` (`<did>#<fragment>`).
pub fn sign_token(claims: &TokenClaims, kid: &str, key: &SigningKey) -> String {
    let mut header = Map::new();
    header.insert("typ".into(), TYP.into());
    header.insert("kid".into(), kid.into());
    jose::sign(
        header,
        &json!({
            "sub": claims.sub,
            "iat": claims.iat,
            "exp": claims.exp,
            "ttl": claims.ttl,
            "status_list": {"bits": claims.status_list.bits, "lst": claims.status_list.lst},
        }),
        key,
    )
}

/// A token read but not yet verified: its `kid` (to find the key) and its claims.
#[derive(Debug, Clone)]
pub struct UnverifiedToken {
    /// The header's `kid`.
    pub kid: String,
    /// The claims.
    pub claims: TokenClaims,
    jws: Jws,
}

impl UnverifiedToken {
    /// Reads `compact`: `alg` `EdDSA`, `typ` `statuslist+jwt`, every claim of its type, a
    /// list that decodes.
    pub fn parse(compact: &str) -> Result<UnverifiedToken, TokenError> {
        let jws = Jws::parse(compact.trim(), Some(TYP))?;
        let kid = jws
            .header
            .get("kid")
            .and_then(Value::as_str)
            .ok_or(TokenError::Kid)?
            .to_owned();
        let p = &jws.payload;
        let int = |k: &'static str| p.get(k).and_then(Value::as_u64).ok_or(TokenError::Claim(k));
        let sub = p
            .get("sub")
            .and_then(Value::as_str)
            .ok_or(TokenError::Claim("sub"))?
            .to_owned();
        let status_list: EncodedList = p
            .get("status_list")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or(TokenError::Claim("status_list"))?;
        StatusList::decode(&status_list)?;
        let claims = TokenClaims {
            sub,
            iat: int("iat")?,
            exp: int("exp")?,
            ttl: int("ttl")?,
            status_list,
        };
        if claims.exp <= claims.iat {
            return Err(TokenError::Window {
                iat: claims.iat,
                exp: claims.exp,
            });
        }
        Ok(UnverifiedToken { kid, claims, jws })
    }

    /// Checks the signature under `key` and that the token has not expired at `now`.
    pub fn verify(self, key: &PublicKey, now: u64) -> Result<TokenClaims, TokenError> {
        self.jws.verify(key)?;
        if now >= self.claims.exp {
            return Err(TokenError::Expired {
                exp: self.claims.exp,
                now,
            });
        }
        Ok(self.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> TokenClaims {
        let mut list = StatusList::new();
        list.set(7, 1);
        TokenClaims {
            sub: "https://node.example/v1/identity/status/did:unchain:ab".into(),
            iat: 1_800_000_000,
            exp: 1_800_086_400,
            ttl: 3600,
            status_list: list.encode(),
        }
    }

    #[test]
    fn a_signed_token_reads_back_and_verifies_until_it_expires() {
        let key = SigningKey::from_seed([3; 32]);
        let token = sign_token(&claims(), "did:unchain:ab#key-1", &key);
        let read = UnverifiedToken::parse(&token).expect("parses");
        assert_eq!(read.kid, "did:unchain:ab#key-1");
        assert_eq!(read.claims, claims());
        let ok = read
            .clone()
            .verify(&key.public_key(), 1_800_000_100)
            .expect("verifies");
        assert_eq!(
            StatusList::decode(&ok.status_list).expect("list").get(7),
            Some(1)
        );
        assert!(matches!(
            read.clone().verify(&key.public_key(), 1_800_086_400),
            Err(TokenError::Expired { .. })
        ));
        let other = SigningKey::from_seed([4; 32]).public_key();
        assert!(matches!(
            read.verify(&other, 1_800_000_100),
            Err(TokenError::Jose(JoseError::Signature))
        ));
    }

    #[test]
    fn a_token_of_another_type_or_shape_is_refused_naming_the_claim() {
        let key = SigningKey::from_seed([3; 32]);
        let mut header = Map::new();
        header.insert("typ".into(), "JWT".into());
        header.insert("kid".into(), "d#k".into());
        let wrong_typ = jose::sign(header, &json!({"sub": "x"}), &key);
        assert!(matches!(
            UnverifiedToken::parse(&wrong_typ),
            Err(TokenError::Jose(JoseError::Typ { .. }))
        ));
        let c = claims();
        let good = json!({"sub": c.sub, "iat": c.iat, "exp": c.exp, "ttl": c.ttl,
            "status_list": {"bits": 2, "lst": c.status_list.lst}});
        for (drop, why) in [
            ("sub", "sub"),
            ("iat", "iat"),
            ("exp", "exp"),
            ("ttl", "ttl"),
            ("status_list", "status_list"),
        ] {
            let mut payload = good.clone();
            payload.as_object_mut().expect("object").remove(drop);
            let mut header = Map::new();
            header.insert("typ".into(), TYP.into());
            header.insert("kid".into(), "d#k".into());
            let e = UnverifiedToken::parse(&jose::sign(header, &payload, &key))
                .expect_err(drop)
                .to_string();
            assert!(e.starts_with(why), "{drop}: {e}");
        }
        let mut header = Map::new();
        header.insert("typ".into(), TYP.into());
        let no_kid = jose::sign(header, &good, &key);
        assert!(matches!(
            UnverifiedToken::parse(&no_kid),
            Err(TokenError::Kid)
        ));
        let mut backwards = good.clone();
        backwards["exp"] = c.iat.into();
        let mut header = Map::new();
        header.insert("typ".into(), TYP.into());
        header.insert("kid".into(), "d#k".into());
        assert!(matches!(
            UnverifiedToken::parse(&jose::sign(header, &backwards, &key)),
            Err(TokenError::Window { .. })
        ));
    }
}
