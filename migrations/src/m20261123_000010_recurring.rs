//! Recurring-complaint detection: each ticket's analysed text and links, an inverted index of
//! terms over recent tickets, document frequencies, and the recurring issues themselves.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("recurring_issues")
                .if_not_exists()
                .col(big_pk_auto("id"))
                // The label made from the top terms, and a manager's own name for it.
                .col(string("label"))
                .col(string_null("custom_label"))
                // How many tickets it has, and {term: how many of them have it}: its centroid.
                .col(integer("members").default(0))
                .col(json_binary("term_counts"))
                // `open`, `dismissed` or `merged`.
                .col(string("status"))
                .col(big_integer_null("merged_into"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("ticket_texts")
                .if_not_exists()
                .col(big_integer("ticket_id").primary_key())
                .col(big_integer("customer_id"))
                // The ticket's creation time, copied so the index needs no join.
                .col(timestamp_with_time_zone("created_at"))
                .col(string_null("lang"))
                .col(json_binary("terms"))
                .col(big_integer_null("issue_id"))
                // Earlier tickets of the same customer in the window with the same category
                // or near-duplicate text, newest first.
                .col(integer("repeat_count").default(0))
                .col(json_binary("previous_ticket_ids"))
                .col(timestamp_with_time_zone("indexed_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_text_ticket")
                        .from("ticket_texts", "ticket_id")
                        .to("tickets", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_text_issue")
                        .from("ticket_texts", "issue_id")
                        .to("recurring_issues", "id")
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .take(),
        )
        .await?;
        for (name, cols) in [
            ("idx_texts_issue", &["issue_id", "created_at"][..]),
            ("idx_texts_customer", &["customer_id", "created_at"][..]),
            ("idx_texts_created", &["created_at"][..]),
        ] {
            let mut i = Index::create()
                .name(name)
                .table("ticket_texts")
                .if_not_exists()
                .take();
            for c in cols {
                i.col(*c);
            }
            m.create_index(i).await?;
        }

        m.create_table(
            Table::create()
                .table("text_postings")
                .if_not_exists()
                .col(string("term"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer("ticket_id"))
                .primary_key(
                    Index::create()
                        .col("term")
                        .col("created_at")
                        .col("ticket_id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_posting_ticket")
                        .from("text_postings", "ticket_id")
                        .to("tickets", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;

        // Document frequency per term; the row for `#docs` counts the documents.
        m.create_table(
            Table::create()
                .table("text_terms")
                .if_not_exists()
                .col(string("term").primary_key())
                .col(big_integer("df"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "text_terms",
            "text_postings",
            "ticket_texts",
            "recurring_issues",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
