//! Installation-wide settings stored as JSON documents under a key, shared by all instances.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};
use serde::{Serialize, de::DeserializeOwned};

use crate::entity::setting;
use crate::{Store, StoreResult};

impl Store {
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> StoreResult<Option<T>> {
        let Some(row) = setting::Entity::find_by_id(key.to_owned())
            .one(self.read())
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(serde_json::from_value(row.value)?))
    }

    pub async fn put_setting<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.begin().await?;
        put_setting(&txn, key, value, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Stores `value` only if nothing is stored under `key` yet; returns what is stored after
    /// the call. Several instances starting together all end up with the first one's value.
    pub async fn setting_or_insert<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        value: &T,
        now: DateTime<Utc>,
    ) -> StoreResult<T> {
        let txn = self.begin().await?;
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(serde_json::to_value(value)?),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing()
        .exec(&txn)
        .await?;
        txn.commit().await?;
        let stored = self.setting(key).await?;
        stored.ok_or(crate::StoreError::NotFound("setting"))
    }
}

pub(crate) async fn put_setting<C: sea_orm::ConnectionTrait, T: Serialize>(
    db: &C,
    key: &str,
    value: &T,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(serde_json::to_value(value)?),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}
