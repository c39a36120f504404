//! A realistic demo data set, loaded through the import path: a few agents, a few hundred
//! customers and tickets over eight weeks, in English and Bahasa Indonesia, in every status.

use chrono::{DateTime, Duration, Timelike, Utc};
use helpdesk_auth::Role;
use helpdesk_store::users::UserPatch;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::auth::hash_off_runtime;
use crate::state::AppState;
use crate::views::now;

/// The password of every demo account (demo data only; never use it for real accounts).
pub const DEMO_PASSWORD: &str = "demo-password-123";

const AGENTS: &[(&str, &str)] = &[
    ("budi@demo.helpdesk.test", "Budi Santoso"),
    ("sari@demo.helpdesk.test", "Sari Wulandari"),
    ("dewi@demo.helpdesk.test", "Dewi Lestari"),
    ("andi@demo.helpdesk.test", "Andi Pratama"),
    ("maya@demo.helpdesk.test", "Maya Chen"),
];
const MANAGER: (&str, &str) = ("manager@demo.helpdesk.test", "Rina Manager");

const FIRST: &[&str] = &[
    "Ayu", "Bayu", "Citra", "Dimas", "Eka", "Fajar", "Gita", "Hadi", "Indah", "Joko", "Kartika",
    "Lukman", "Mega", "Nanda", "Oki", "Putri", "Rizky", "Siti", "Taufik", "Wahyu", "Yuni", "Emma",
    "Liam", "Olivia", "Noah", "Sophia", "James", "Grace", "Daniel", "Chloe",
];
const LAST: &[&str] = &[
    "Saputra", "Wijaya", "Hidayat", "Kusuma", "Nugroho", "Permata", "Siregar", "Tanjung", "Smith",
    "Brown", "Tan", "Lim", "Gunawan", "Halim",
];

/// (category, [(subject, body)]): the same problems phrased several ways, in both languages.
const PROBLEMS: &[(&str, &[(&str, &str)])] = &[
    (
        "refund",
        &[
            (
                "Refund not received",
                "I returned my order two weeks ago and the refund has still not arrived in my account.",
            ),
            (
                "Where is my refund?",
                "You promised a refund for order {n} but I have not received the money yet.",
            ),
            (
                "Dana refund belum masuk",
                "Saya sudah mengembalikan barang minggu lalu tapi dana refund belum masuk ke rekening saya.",
            ),
            (
                "Refund belum diterima",
                "Pengembalian dana untuk pesanan {n} belum saya terima sampai sekarang, tolong dicek.",
            ),
        ],
    ),
    (
        "delivery",
        &[
            (
                "Package not delivered",
                "My package was marked as shipped 6 days ago but it has not been delivered.",
            ),
            (
                "Order still not arrived",
                "Order {n} still has not arrived. The tracking has not moved for days.",
            ),
            (
                "Pesanan belum sampai",
                "Pesanan saya {n} sudah seminggu belum sampai, status pengiriman tidak berubah.",
            ),
            (
                "Paket tidak datang",
                "Paket saya tidak datang padahal di aplikasi tertulis sudah dikirim.",
            ),
        ],
    ),
    (
        "account",
        &[
            (
                "Cannot log in to the app",
                "The app shows an error when I try to log in with my phone number.",
            ),
            (
                "Login error",
                "I keep getting 'something went wrong' when logging in since the last update.",
            ),
            (
                "Aplikasi error saat login",
                "Setiap kali login aplikasi error dan keluar sendiri. Sudah coba install ulang.",
            ),
            (
                "Tidak bisa masuk akun",
                "Saya tidak bisa masuk ke akun saya, kode OTP tidak pernah dikirim.",
            ),
        ],
    ),
    (
        "billing",
        &[
            (
                "Charged twice",
                "I was charged twice for the same order {n}. Please refund the duplicate payment.",
            ),
            (
                "Double payment on my card",
                "My credit card shows two payments for one purchase.",
            ),
            (
                "Tagihan ganda",
                "Kartu kredit saya ditagih dua kali untuk pesanan {n}.",
            ),
            (
                "Saldo terpotong dua kali",
                "Saldo saya terpotong dua kali untuk satu transaksi, mohon dikembalikan.",
            ),
        ],
    ),
    (
        "product",
        &[
            (
                "Item arrived damaged",
                "The blender I ordered arrived with a cracked jar.",
            ),
            ("Wrong size sent", "I ordered size M but received size XL."),
            (
                "Barang rusak saat diterima",
                "Barang yang saya terima dalam keadaan rusak, kemasannya penyok.",
            ),
            (
                "Ukuran tidak sesuai",
                "Ukuran baju yang dikirim tidak sesuai dengan pesanan saya.",
            ),
        ],
    ),
    (
        "voucher",
        &[
            (
                "Voucher code not working",
                "The voucher code from your newsletter says invalid at checkout.",
            ),
            (
                "Kode promo tidak bisa dipakai",
                "Kode voucher tidak bisa digunakan padahal belum kedaluwarsa.",
            ),
        ],
    ),
];

const ONE_OFFS: &[(&str, &str)] = &[
    (
        "Question about opening hours",
        "Is your store in Bandung open on public holidays?",
    ),
    (
        "Change my delivery address",
        "Can I still change the delivery address for my order?",
    ),
    (
        "Minta faktur pajak",
        "Bisakah saya mendapatkan faktur pajak untuk pembelian bulan lalu?",
    ),
    (
        "Kerja sama reseller",
        "Saya tertarik menjadi reseller, bagaimana caranya?",
    ),
    (
        "Feedback on the new app",
        "The new design is nice but the font is too small.",
    ),
];

const AGENT_REPLIES: &[&str] = &[
    "Thank you for contacting us. We are checking this with the team and will update you shortly.",
    "Terima kasih sudah menghubungi kami. Kami sedang mengecek masalah ini.",
    "Could you send us your order number and a screenshot, please?",
    "Mohon kirimkan nomor pesanan dan foto barangnya ya.",
];
const FIX_REPLIES: &[&str] = &[
    "This has been fixed on our side. Please let us know if anything else comes up.",
    "Sudah kami proses, dana akan masuk dalam 1x24 jam. Terima kasih atas kesabarannya.",
    "We have sent a replacement; you will receive the tracking number by e-mail.",
    "Masalahnya sudah kami selesaikan. Silakan dicoba kembali.",
];
const CUSTOMER_FOLLOWUPS: &[&str] = &[
    "Here is the order number you asked for.",
    "Ini nomor pesanannya, mohon dibantu.",
    "Any update on this? It has been days.",
    "Kok belum ada kabar ya?",
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A plausible delay in seconds: mostly short, sometimes long (log-uniform between bounds).
fn delay(rng: &mut StdRng, min_s: f64, max_s: f64) -> Duration {
    let x = rng.random_range(min_s.ln()..max_s.ln()).exp();
    Duration::seconds(x as i64)
}

/// The demo batch, in the shape of `POST /api/v1/import/tickets`. Nothing is later than `now`.
pub fn generate(count: usize, seed: u64, now: DateTime<Utc>) -> Value {
    let mut rng = StdRng::seed_from_u64(seed);
    let customers: Vec<(String, String, &str)> = (0..(count / 5).max(10))
        .map(|i| {
            let (f, l) = (pick(&mut rng, FIRST), pick(&mut rng, LAST));
            let tier = if rng.random_bool(0.1) {
                "vip"
            } else {
                "standard"
            };
            (
                format!("{f} {l}"),
                format!("{}.{}{}@example.com", f.to_lowercase(), l.to_lowercase(), i),
                tier,
            )
        })
        .collect();
    let start = now - Duration::days(56);
    let mut tickets = Vec::with_capacity(count);
    for i in 0..count {
        // Spread over eight weeks, mostly in Jakarta's daytime (UTC+7).
        let mut created = start + Duration::seconds(rng.random_range(0..56 * 86_400));
        if rng.random_bool(0.7) {
            let local_hour = rng.random_range(8..20);
            created = created
                .with_hour((local_hour + 24 - 7) % 24)
                .unwrap_or(created);
        }
        if created >= now - Duration::minutes(5) {
            created = now - Duration::hours(rng.random_range(1..72));
        }
        let (name, email, tier) = pick(&mut rng, &customers).clone();
        let (category, subject, body) = if rng.random_bool(0.9) {
            let (cat, variants) = pick(&mut rng, PROBLEMS);
            let (s, b) = pick(&mut rng, variants);
            (
                Some(*cat),
                *s,
                b.replace("{n}", &format!("#{}", rng.random_range(100_000..999_999))),
            )
        } else {
            let (s, b) = pick(&mut rng, ONE_OFFS);
            (None, *s, (*b).to_owned())
        };
        let priority = *pick(
            &mut rng,
            &[
                "urgent", "high", "high", "normal", "normal", "normal", "normal", "normal", "low",
                "low",
            ],
        );
        let channel = *pick(
            &mut rng,
            &[
                "web", "web", "web", "email", "email", "chat", "phone", "social",
            ],
        );
        let (agent, _) = *pick(&mut rng, AGENTS);
        let events = lifecycle(&mut rng, created, now, agent);
        tickets.push(json!({
            "external_id": format!("demo-{seed}-{i}"),
            "subject": subject,
            "body": body,
            "category": category,
            "priority": priority,
            "channel": channel,
            "customer": {"name": name, "email": email, "tier": tier},
            "created_at": ts(created),
            "events": events,
        }));
    }
    json!({ "tickets": tickets })
}

/// One ticket's history: assignment, replies, waits on the customer, resolution, reopenings,
/// surveys; cut off at `now`, so recent tickets are still in progress.
fn lifecycle(
    rng: &mut StdRng,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    agent: &str,
) -> Vec<Value> {
    let mut ev = Vec::new();
    let mut t = created;
    let mut step = |rng: &mut StdRng, min: f64, max: f64| {
        t += delay(rng, min, max);
        t
    };
    if rng.random_bool(0.03) {
        let at = step(rng, 300.0, 7200.0);
        if at < now {
            let reason = if rng.random_bool(0.5) {
                "duplicate"
            } else {
                "spam"
            };
            ev.push(json!({"at": ts(at), "type": "status", "to": "closed", "reason": reason}));
        }
        return ev;
    }
    let at = step(rng, 120.0, 4.0 * 3600.0);
    if at >= now {
        return ev;
    }
    ev.push(json!({"at": ts(at), "type": "assign", "agent_email": agent}));
    // First response: mostly within hours, sometimes after more than a day.
    let slow = rng.random_bool(0.15);
    let at = step(rng, 300.0, if slow { 40.0 * 3600.0 } else { 6.0 * 3600.0 });
    if at >= now {
        return ev;
    }
    ev.push(json!({"at": ts(at), "type": "message", "author": "agent", "agent_email": agent, "internal": false, "body": pick(rng, AGENT_REPLIES)}));
    if rng.random_bool(0.35) {
        ev.push(json!({"at": ts(at), "type": "status", "to": "pending"}));
        let at = step(rng, 1800.0, 36.0 * 3600.0);
        if at >= now {
            return ev;
        }
        ev.push(json!({"at": ts(at), "type": "message", "author": "customer", "body": pick(rng, CUSTOMER_FOLLOWUPS)}));
    }
    if rng.random_bool(0.1) {
        let at = step(rng, 600.0, 4.0 * 3600.0);
        if at >= now {
            return ev;
        }
        ev.push(json!({"at": ts(at), "type": "message", "author": "agent", "agent_email": agent, "internal": true, "body": "Escalated to the warehouse team."}));
        ev.push(json!({"at": ts(at), "type": "status", "to": "on_hold"}));
    }
    let at = step(rng, 1800.0, 3.0 * 86_400.0);
    if at >= now {
        return ev;
    }
    ev.push(json!({"at": ts(at), "type": "message", "author": "agent", "agent_email": agent, "internal": false, "body": pick(rng, FIX_REPLIES)}));
    ev.push(json!({"at": ts(at), "type": "status", "to": "resolved"}));
    if rng.random_bool(0.1) {
        let at = step(rng, 3600.0, 2.0 * 86_400.0);
        if at >= now {
            return ev;
        }
        ev.push(json!({"at": ts(at), "type": "message", "author": "customer", "body": "Masih belum beres / still not fixed, sorry."}));
        let at = step(rng, 1800.0, 86_400.0);
        if at >= now {
            return ev;
        }
        ev.push(json!({"at": ts(at), "type": "message", "author": "agent", "agent_email": agent, "internal": false, "body": pick(rng, FIX_REPLIES)}));
        ev.push(json!({"at": ts(at), "type": "status", "to": "resolved"}));
    }
    if rng.random_bool(0.55) {
        let at = step(rng, 600.0, 2.0 * 86_400.0);
        if at >= now {
            return ev;
        }
        let happy = rng.random_bool(0.75);
        let csat: i64 = if happy {
            rng.random_range(4..=5)
        } else {
            rng.random_range(1..=3)
        };
        let nps: i64 = if happy {
            rng.random_range(7..=10)
        } else {
            rng.random_range(0..=6)
        };
        let ces: i64 = if happy {
            rng.random_range(5..=7)
        } else {
            rng.random_range(1..=4)
        };
        let comment = if happy {
            "Cepat dan ramah, terima kasih!"
        } else {
            "Too slow, I had to ask several times."
        };
        ev.push(json!({"at": ts(at), "type": "survey", "csat": csat, "ces": ces, "nps": nps, "comment": comment}));
    }
    ev
}

/// Gives the demo agents a password and makes them active, and adds a demo manager, so people
/// can log in as them.
pub async fn activate_agents(state: &AppState) -> anyhow::Result<Vec<String>> {
    let hash = hash_off_runtime(DEMO_PASSWORD.into())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut names = Vec::new();
    for (email, name) in AGENTS.iter().chain(std::iter::once(&MANAGER)) {
        let role = if *email == MANAGER.0 {
            Role::Manager
        } else {
            Role::Agent
        };
        let user = match state.store.user_by_email(email).await? {
            Some(u) => u,
            None => {
                state
                    .store
                    .create_user(
                        helpdesk_store::users::NewUser {
                            email: (*email).into(),
                            name: (*name).into(),
                            role: role.as_str().into(),
                            password_hash: None,
                            active: false,
                        },
                        now(),
                    )
                    .await?
            }
        };
        state
            .store
            .update_user(
                user.id,
                UserPatch {
                    name: Some((*name).into()),
                    role: Some(role.as_str().into()),
                    active: Some(true),
                    password_hash: Some(hash.clone()),
                },
                now(),
            )
            .await?;
        names.push((*email).to_owned());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_deterministic_and_never_in_the_future() {
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let a = generate(300, 7, now);
        assert_eq!(a, generate(300, 7, now));
        let tickets = a["tickets"].as_array().cloned().unwrap_or_default();
        assert_eq!(tickets.len(), 300);
        let mut statuses = std::collections::BTreeSet::new();
        for t in &tickets {
            for e in t["events"].as_array().into_iter().flatten() {
                let at = DateTime::parse_from_rfc3339(e["at"].as_str().unwrap_or_default())
                    .map(|t| t.with_timezone(&Utc));
                assert!(at.is_ok_and(|at| at <= now), "{e}");
                if let Some(s) = e["to"].as_str() {
                    statuses.insert(s.to_owned());
                }
            }
        }
        for s in ["pending", "on_hold", "resolved", "closed"] {
            assert!(statuses.contains(s), "no ticket reaches {s}");
        }
    }
}
