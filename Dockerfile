# syntax=docker/dockerfile:1
# Multi-stage build: the web UI with Node, the binary with Rust, a small runtime image.

FROM node:20-bookworm AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=web /src/web/dist /src/web/dist
# The UI was built in the stage above; the build script embeds it instead of running npm.
ENV HELPDESK_WEB_DIST=/src/web/dist
RUN cargo build --release --locked -p helpdesk-api && cp target/release/helpdesk /usr/local/bin/helpdesk

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data --create-home helpdesk
COPY --from=build /usr/local/bin/helpdesk /usr/local/bin/helpdesk
USER helpdesk
WORKDIR /data
ENV HELPDESK_BIND=0.0.0.0:8080 \
    HELPDESK_DATABASE_URL=sqlite:///data/helpdesk.db?mode=rwc
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fs http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["helpdesk"]
CMD ["serve"]
