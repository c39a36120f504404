//! Staff accounts.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use crate::entity::user;
use crate::{Store, StoreError, StoreResult};

pub use user::Model as User;

/// A staff account to create. `password_hash` is `None` for accounts that cannot log in yet
/// (imported agents).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
}

pub(crate) async fn insert_user<C: ConnectionTrait>(
    db: &C,
    u: NewUser,
    now: DateTime<Utc>,
) -> StoreResult<User> {
    let am = user::ActiveModel {
        email: Set(u.email),
        name: Set(u.name),
        role: Set(u.role),
        password_hash: Set(u.password_hash),
        active: Set(u.active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    am.insert(db).await.map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() {
            StoreError::conflict("email", "a user with this e-mail already exists")
        } else {
            e
        }
    })
}

impl Store {
    pub async fn create_user(&self, u: NewUser, now: DateTime<Utc>) -> StoreResult<User> {
        let txn = self.begin().await?;
        let user = insert_user(&txn, u, now).await?;
        txn.commit().await?;
        Ok(user)
    }

    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(self.read())
            .await?)
    }

    pub async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        Ok(user::Entity::find_by_id(id).one(self.read()).await?)
    }

    pub async fn list_users(&self) -> StoreResult<Vec<User>> {
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Id)
            .all(self.read())
            .await?)
    }

    pub async fn users_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<User>> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(self.read())
            .await?)
    }

    pub async fn count_users(&self) -> StoreResult<u64> {
        Ok(user::Entity::find().count(self.read()).await?)
    }

    pub async fn update_user(
        &self,
        id: i64,
        patch: UserPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<User> {
        let txn = self.begin().await?;
        let current = user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let mut am: user::ActiveModel = current.into();
        if let Some(v) = patch.name {
            am.name = Set(v);
        }
        if let Some(v) = patch.role {
            am.role = Set(v);
        }
        if let Some(v) = patch.active {
            am.active = Set(v);
        }
        if let Some(v) = patch.password_hash {
            am.password_hash = Set(Some(v));
        }
        am.updated_at = Set(now);
        let user = am.update(&txn).await?;
        txn.commit().await?;
        Ok(user)
    }
}
