//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Helpdesk API", description = "Support tickets with honest time-to-resolution tracking. Errors are application/problem+json (RFC 9457)."),
    modifiers(&Security),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    tags(
        (name = "public", description = "Customers: submit and follow a complaint"),
        (name = "tickets", description = "Agents: the queue and ticket work"),
        (name = "auth", description = "Staff login and sessions"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "ticket_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The ticket's private link token"))
                    .build(),
            ),
        );
    }
}
