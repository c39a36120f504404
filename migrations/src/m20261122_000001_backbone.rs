//! Users and sessions, customers, tickets with their messages and events, idempotency keys and
//! settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .take()
}

fn index(name: &str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create()
        .name(name)
        .table(table)
        .if_not_exists()
        .take();
    for c in cols {
        i.col(*c);
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("users")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_uniq("email"))
                .col(string("name"))
                .col(string("role"))
                // Imported agents have no password until an admin sets one.
                .col(string_null("password_hash"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("refresh_tokens")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string("family"))
                .col(string_uniq("digest"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk(
                    "fk_refresh_user",
                    ("refresh_tokens", "user_id"),
                    ("users", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index("idx_refresh_family", "refresh_tokens", &["family"]))
            .await?;

        m.create_table(
            Table::create()
                .table("login_failures")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("email"))
                .col(string("address"))
                .col(timestamp_with_time_zone("at"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_login_failures_key",
            "login_failures",
            &["email", "address", "at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("customers")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_uniq("email"))
                .col(string("name"))
                .col(string("tier"))
                .col(text("notes"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("tickets")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("subject"))
                .col(string("status"))
                .col(string("priority"))
                .col(string_null("category"))
                .col(string("channel"))
                .col(big_integer("customer_id"))
                .col(big_integer_null("assignee_id"))
                .col(json("tags"))
                .col(string("access_digest"))
                .col(big_integer_null("follow_up_of"))
                .col(string_null("external_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone("status_since"))
                .col(timestamp_with_time_zone_null("first_response_at"))
                .col(timestamp_with_time_zone_null("first_resolved_at"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(string_null("close_reason"))
                .col(integer("reopen_count"))
                .foreign_key(&mut fk(
                    "fk_ticket_customer",
                    ("tickets", "customer_id"),
                    ("customers", "id"),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_ticket_assignee",
                    ("tickets", "assignee_id"),
                    ("users", "id"),
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk(
                    "fk_ticket_follow_up",
                    ("tickets", "follow_up_of"),
                    ("tickets", "id"),
                    ForeignKeyAction::SetNull,
                ))
                .take(),
        )
        .await?;
        // The agent queue: filters on status, assignee and priority, newest first; keyset
        // pagination continues from (created_at, id).
        m.create_index(index(
            "idx_tickets_created",
            "tickets",
            &["created_at", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_tickets_status_created",
            "tickets",
            &["status", "created_at", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_tickets_assignee_status",
            "tickets",
            &["assignee_id", "status", "created_at"],
        ))
        .await?;
        m.create_index(index(
            "idx_tickets_priority_created",
            "tickets",
            &["priority", "created_at"],
        ))
        .await?;
        m.create_index(index(
            "idx_tickets_category_created",
            "tickets",
            &["category", "created_at"],
        ))
        .await?;
        m.create_index(index(
            "idx_tickets_customer",
            "tickets",
            &["customer_id", "created_at"],
        ))
        .await?;
        m.create_index(index(
            "idx_tickets_status_resolved",
            "tickets",
            &["status", "resolved_at"],
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("idx_tickets_external")
                .table("tickets")
                .col("external_id")
                .unique()
                .if_not_exists()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("messages")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(string("author_type"))
                .col(big_integer_null("author_id"))
                .col(boolean("internal"))
                .col(text("body"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_message_ticket",
                    ("messages", "ticket_id"),
                    ("tickets", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_message_author",
                    ("messages", "author_id"),
                    ("users", "id"),
                    ForeignKeyAction::SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_messages_ticket",
            "messages",
            &["ticket_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("ticket_events")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("ticket_id"))
                .col(string("kind"))
                .col(string_null("from_status"))
                .col(string_null("to_status"))
                .col(string("actor_type"))
                .col(big_integer_null("actor_id"))
                .col(timestamp_with_time_zone("at"))
                .col(json("payload"))
                .foreign_key(&mut fk(
                    "fk_event_ticket",
                    ("ticket_events", "ticket_id"),
                    ("tickets", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_events_ticket",
            "ticket_events",
            &["ticket_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_events_id_kind",
            "ticket_events",
            &["kind", "at"],
        ))
        .await?;

        // One answer per ticket; it may be changed while the ticket can still be reopened.
        m.create_table(
            Table::create()
                .table("surveys")
                .if_not_exists()
                .col(big_integer("ticket_id").primary_key())
                .col(small_integer_null("csat"))
                .col(small_integer_null("ces"))
                .col(small_integer_null("nps"))
                .col(text("comment"))
                .col(timestamp_with_time_zone("answered_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "fk_survey_ticket",
                    ("surveys", "ticket_id"),
                    ("tickets", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .if_not_exists()
                .col(string("key").primary_key())
                .col(string("request_digest"))
                .col(big_integer("ticket_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_idem_ticket",
                    ("idempotency_keys", "ticket_id"),
                    ("tickets", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_idempotency_created",
            "idempotency_keys",
            &["created_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("settings")
                .if_not_exists()
                .col(string("key").primary_key())
                .col(json("value"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "settings",
            "idempotency_keys",
            "surveys",
            "ticket_events",
            "messages",
            "tickets",
            "customers",
            "login_failures",
            "refresh_tokens",
            "users",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
