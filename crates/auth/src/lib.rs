//! Authentication building blocks: argon2id password hashes, JWT access tokens, opaque random
//! tokens (refresh tokens, customer links) stored as SHA-256 digests, and staff roles.
//!
//! Nothing here touches a database or HTTP; the API wires these into extractors and handlers.

mod jwt;
mod password;
mod role;
mod token;

pub use jwt::{ACCESS_TOKEN_TTL_SECONDS, AccessClaims, JwtError, JwtKeys};
pub use password::{
    MIN_PASSWORD_LEN, PasswordError, hash_password, validate_password, verify_password,
};
pub use role::Role;
pub use token::{derive_token, digest_matches, hmac_sha256_hex, random_token, token_digest};
