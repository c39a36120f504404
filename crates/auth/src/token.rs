//! High-entropy opaque tokens (refresh tokens, customer links).
//!
//! They are random, so a fast digest is enough to store them safely: SHA-256, compared in
//! constant time. Argon2 is for low-entropy passwords only.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: lowercase hex SHA-256.
pub fn token_digest(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `token` hashes to `digest`, in constant time.
pub fn digest_matches(token: &str, digest: &str) -> bool {
    token_digest(token)
        .as_bytes()
        .ct_eq(digest.as_bytes())
        .into()
}

/// A token derived from a server secret and a context, so that it can be given again to
/// whoever can present the same context (a retried submission with the same idempotency key)
/// without the token itself being stored.
pub fn derive_token(secret: &[u8], context: &[&[u8]]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return random_token();
    };
    for part in context {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// HMAC-SHA256 of `message` under `secret`, as lowercase hex (webhook signatures).
pub fn hmac_sha256_hex(secret: &[u8], message: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(message);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, random_token());
    }

    #[test]
    fn digests_match_only_their_token() {
        let t = random_token();
        let d = token_digest(&t);
        assert_eq!(d.len(), 64);
        assert!(digest_matches(&t, &d));
        assert!(!digest_matches(&random_token(), &d));
    }

    #[test]
    fn hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn derived_tokens_depend_on_every_part_of_the_context() {
        let a = derive_token(b"secret", &[b"ticket", b"42"]);
        assert_eq!(a, derive_token(b"secret", &[b"ticket", b"42"]));
        assert_ne!(a, derive_token(b"other", &[b"ticket", b"42"]));
        assert_ne!(a, derive_token(b"secret", &[b"ticket4", b"2"]));
    }
}
