//! Demo data: officer accounts for every role, created on the first start of a demo instance.
//!
//! Demo officers have published passwords and TOTP secrets (so that anyone can try the back
//! office): they are created only when `demo = true` and the database has no officers yet.
//! Production instances run with `demo = false`.

use wangban_core::state::Actor;
use wangban_store::{NewOfficer, Store};

/// The demo password of every demo officer.
pub const DEMO_PASSWORD: &str = "wangban-demo-2026";

/// (username, display name, role, TOTP secret).
pub const DEMO_OFFICERS: &[(&str, &str, Actor, &str)] = &[
    (
        "reviewer",
        "审核员 李明",
        Actor::Reviewer,
        "JBSWY3DPEHPK3PXPREVIEWER",
    ),
    (
        "reviewer2",
        "审核员 王芳",
        Actor::Reviewer,
        "JBSWY3DPEHPK3PXPREVIEWR2",
    ),
    (
        "supervisor",
        "科长 赵强",
        Actor::Supervisor,
        "JBSWY3DPEHPK3PXPSUPERVSR",
    ),
    (
        "production",
        "制证员 陈静",
        Actor::ProductionOperator,
        "JBSWY3DPEHPK3PXPPRODUCTN",
    ),
    (
        "dispatch",
        "发证员 刘洋",
        Actor::DispatchClerk,
        "JBSWY3DPEHPK3PXPDISPATCH",
    ),
    (
        "sysadmin",
        "系统管理员",
        Actor::SystemAdministrator,
        "JBSWY3DPEHPK3PXPSYSADMIN",
    ),
    (
        "secadmin",
        "安全管理员",
        Actor::SecurityAdministrator,
        "JBSWY3DPEHPK3PXPSECADMIN",
    ),
    (
        "auditor",
        "安全审计员",
        Actor::Auditor,
        "JBSWY3DPEHPK3PXPAUDITORR",
    ),
];

/// Creates the demo officers if there are no officers at all. Returns how many were created.
pub async fn seed_officers(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, wangban_store::StoreError> {
    if store.officer_count().await? > 0 {
        return Ok(0);
    }
    let hash = crate::password::hash(DEMO_PASSWORD);
    let mut made = 0;
    for (username, display, role, secret) in DEMO_OFFICERS {
        let result = store
            .create_officer(
                &NewOfficer {
                    username: (*username).into(),
                    display_name: (*display).into(),
                    password_hash: hash.clone(),
                    totp_secret: (*secret).into(),
                    role: role.code().into(),
                },
                now,
            )
            .await;
        match result {
            Ok(_) => made += 1,
            // Another node starting at the same moment made this one: nothing to do.
            Err(wangban_store::StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(made)
}

/// The current TOTP code of a demo officer (shown on the demo start page).
pub fn current_code(secret: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let key = crate::totp::base32_decode(secret).unwrap_or_default();
    format!("{:06}", crate::totp::totp(&key, now.timestamp(), 6))
}
