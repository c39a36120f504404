//! There is no Docker engine on the build machines, so the container files are checked by
//! reading them: the compose file must describe the server on PostgreSQL with no secret
//! written into it, and the Dockerfile must build what the compose file runs.

use yaml_rust2::{Yaml, YamlLoader};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn compose() -> Yaml {
    let text = std::fs::read_to_string(root().join("docker-compose.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("docker-compose.yml is not YAML: {e}"))
        .remove(0)
}

#[test]
fn compose_runs_the_server_on_postgres_once_it_is_healthy() {
    let c = compose();
    let services = &c["services"];
    let hd = &services["helpdesk"];
    let pg = &services["postgres"];
    assert!(
        pg["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("postgres:"))
    );
    assert!(pg["healthcheck"]["test"].as_vec().is_some_and(|t| {
        t.iter()
            .any(|p| p.as_str().is_some_and(|s| s.contains("pg_isready")))
    }));
    assert_eq!(hd["build"].as_str(), Some("."));
    assert_eq!(
        hd["depends_on"]["postgres"]["condition"].as_str(),
        Some("service_healthy")
    );
    let env = &hd["environment"];
    let url = env["HELPDESK_DATABASE_URL"].as_str().unwrap_or_default();
    assert!(
        url.starts_with("postgres://helpdesk:${POSTGRES_PASSWORD}@postgres:5432/helpdesk"),
        "{url}"
    );
    assert_eq!(env["HELPDESK_BIND"].as_str(), Some("0.0.0.0:8080"));
    assert!(
        hd["ports"]
            .as_vec()
            .is_some_and(|p| p.iter().any(|p| p.as_str() == Some("8080:8080")))
    );
}

#[test]
fn compose_holds_no_secrets_only_references_to_them() {
    let c = compose();
    for (service, key) in [
        ("postgres", "POSTGRES_PASSWORD"),
        ("helpdesk", "HELPDESK_JWT_SECRET"),
    ] {
        let v = c["services"][service]["environment"][key]
            .as_str()
            .unwrap_or_default();
        assert!(
            v.starts_with("${") && v.contains(":?"),
            "{service}.{key} must be required from the environment, got {v:?}"
        );
    }
}

#[test]
fn the_dockerfile_builds_the_binary_the_compose_file_runs() {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap_or_else(|e| panic!("{e}"));
    let stages: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 3, "web, build and runtime stages: {stages:?}");
    assert!(text.contains("cargo build --release --locked -p helpdesk-api"));
    assert!(text.contains("EXPOSE 8080"));
    assert!(text.contains("ENTRYPOINT [\"helpdesk\"]"));
    assert!(
        text.contains("USER helpdesk"),
        "the server does not run as root"
    );
    let member = std::fs::read_to_string(root().join("crates/api/Cargo.toml")).unwrap_or_default();
    assert!(
        member.contains("name = \"helpdesk\""),
        "the binary is called helpdesk"
    );
}
