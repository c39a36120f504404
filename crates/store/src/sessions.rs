//! Refresh tokens (rotated on every use, with reuse detection) and failed-login records for
//! rate limiting. Both live in the database so that every instance sees the same state.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::entity::{login_failure, refresh_token};
use crate::{Store, StoreResult};

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was valid; it is now spent and the new one replaces it.
    Rotated {
        user_id: i64,
    },
    /// The token had already been used or revoked: somebody replayed it, so its whole family
    /// is revoked.
    Reused,
    Expired,
    Unknown,
}

impl Store {
    /// Stores a new refresh token (its digest) for a new session or a rotation.
    pub async fn insert_refresh_token(
        &self,
        user_id: i64,
        family: &str,
        digest: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> StoreResult<()> {
        let txn = self.begin().await?;
        refresh_token::ActiveModel {
            user_id: Set(user_id),
            family: Set(family.to_owned()),
            digest: Set(digest.to_owned()),
            created_at: Set(now),
            expires_at: Set(now + ttl),
            used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Spends the refresh token with `digest` and stores `new_digest` in its family, in one
    /// transaction. A token that was already spent revokes the family.
    pub async fn rotate_refresh_token(
        &self,
        digest: &str,
        new_digest: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> StoreResult<Rotation> {
        let txn = self.begin().await?;
        let Some(tok) = refresh_token::Entity::find()
            .filter(refresh_token::Column::Digest.eq(digest))
            .one(&txn)
            .await?
        else {
            return Ok(Rotation::Unknown);
        };
        if tok.used_at.is_some() || tok.revoked_at.is_some() {
            revoke_family(&txn, &tok.family, now).await?;
            txn.commit().await?;
            return Ok(Rotation::Reused);
        }
        if tok.expires_at <= now {
            return Ok(Rotation::Expired);
        }
        // The `used_at IS NULL` guard makes a concurrent double use count as reuse.
        let spent = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
            .filter(refresh_token::Column::Id.eq(tok.id))
            .filter(refresh_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        if spent.rows_affected != 1 {
            revoke_family(&txn, &tok.family, now).await?;
            txn.commit().await?;
            return Ok(Rotation::Reused);
        }
        refresh_token::ActiveModel {
            user_id: Set(tok.user_id),
            family: Set(tok.family.clone()),
            digest: Set(new_digest.to_owned()),
            created_at: Set(now),
            expires_at: Set(now + ttl),
            used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(Rotation::Rotated {
            user_id: tok.user_id,
        })
    }

    /// Logs out the session that `digest` belongs to. Unknown tokens are ignored.
    pub async fn revoke_refresh_family(
        &self,
        digest: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let txn = self.begin().await?;
        let tok = refresh_token::Entity::find()
            .filter(refresh_token::Column::Digest.eq(digest))
            .one(&txn)
            .await?;
        let found = tok.is_some();
        if let Some(tok) = tok {
            revoke_family(&txn, &tok.family, now).await?;
        }
        txn.commit().await?;
        Ok(found)
    }

    /// Revokes every session of a user (deactivation, password change).
    pub async fn revoke_user_sessions(&self, user_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let txn = self.begin().await?;
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
            .filter(refresh_token::Column::UserId.eq(user_id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn record_login_failure(
        &self,
        email: &str,
        address: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.begin().await?;
        login_failure::ActiveModel {
            email: Set(email.to_owned()),
            address: Set(address.to_owned()),
            at: Set(at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Failed logins for this account and address since `since`: how many, and the oldest.
    pub async fn login_failures_since(
        &self,
        email: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u64, Option<DateTime<Utc>>)> {
        let q = login_failure::Entity::find()
            .filter(login_failure::Column::Email.eq(email))
            .filter(login_failure::Column::Address.eq(address))
            .filter(login_failure::Column::At.gt(since));
        let count = q.clone().count(self.read()).await?;
        let oldest = q
            .order_by_asc(login_failure::Column::At)
            .one(self.read())
            .await?
            .map(|f| f.at);
        Ok((count, oldest))
    }

    pub async fn clear_login_failures(&self, email: &str, address: &str) -> StoreResult<()> {
        let txn = self.begin().await?;
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::Email.eq(email))
            .filter(login_failure::Column::Address.eq(address))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Deletes records that no longer matter: old login failures, spent or expired refresh
    /// tokens, idempotency keys past their retention.
    pub async fn purge_expired(
        &self,
        now: DateTime<Utc>,
        idempotency_retention: Duration,
    ) -> StoreResult<()> {
        let txn = self.begin().await?;
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::At.lt(now - Duration::hours(1)))
            .exec(&txn)
            .await?;
        refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::ExpiresAt.lt(now - Duration::days(1)))
            .exec(&txn)
            .await?;
        crate::entity::idempotency_key::Entity::delete_many()
            .filter(
                crate::entity::idempotency_key::Column::CreatedAt.lt(now - idempotency_retention),
            )
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}

async fn revoke_family<C: sea_orm::ConnectionTrait>(
    db: &C,
    family: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::Family.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
