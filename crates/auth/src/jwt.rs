//! Short-lived JWT access tokens for staff, HS256 only.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::role::Role;

pub const ACCESS_TOKEN_TTL_SECONDS: i64 = 15 * 60;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id, as a string (RFC 7519 wants `sub` to be a string).
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

impl AccessClaims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid")]
    Invalid,
}

/// Signing and verification keys derived from the installation's secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(..)")
    }
}

impl JwtKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        // Pin the algorithm: a token claiming any other `alg` (including `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A token for `user_id` valid for [`ACCESS_TOKEN_TTL_SECONDS`] from `now` (Unix seconds).
    pub fn issue(&self, user_id: i64, role: Role, now: i64) -> Result<String, JwtError> {
        let claims = AccessClaims {
            sub: user_id.to_string(),
            role,
            iat: now,
            exp: now + ACCESS_TOKEN_TTL_SECONDS,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| JwtError::Invalid)
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, JwtError> {
        decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => JwtError::Expired,
                _ => JwtError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    #[test]
    fn a_fresh_token_verifies_with_its_claims() {
        let keys = JwtKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let t = keys.issue(42, Role::Manager, now()).unwrap_or_default();
        let c = keys.verify(&t);
        assert_eq!(c.as_ref().ok().and_then(|c| c.user_id()), Some(42));
        assert_eq!(c.map(|c| c.role), Ok(Role::Manager));
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let keys = JwtKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let old = keys.issue(1, Role::Agent, now() - 3600).unwrap_or_default();
        assert_eq!(keys.verify(&old), Err(JwtError::Expired));

        let other = JwtKeys::from_secret(b"another secret of enough length!");
        let foreign = other.issue(1, Role::Admin, now()).unwrap_or_default();
        assert_eq!(keys.verify(&foreign), Err(JwtError::Invalid));

        // Promote ourselves to admin by editing the payload: the signature no longer matches.
        let t = keys.issue(1, Role::Agent, now()).unwrap_or_default();
        let parts: Vec<&str> = t.split('.').collect();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap_or_default())
            .unwrap_or_default();
        let forged = URL_SAFE_NO_PAD.encode(payload.replace("\"agent\"", "\"admin\""));
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(keys.verify(&tampered), Err(JwtError::Invalid));

        // An unsigned token (`alg: none`) is refused.
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            keys.verify(&format!("{header}.{}.", parts[1])),
            Err(JwtError::Invalid)
        );
        assert_eq!(keys.verify("garbage"), Err(JwtError::Invalid));
    }
}
