//! The operators' admin commands, through the real binary.

use crate::{wangban, wangban_with_env};

#[test]
fn help_lists_the_commands() {
    let out = wangban(&["--help"]);
    assert_eq!(out.status, 0);
    for cmd in ["calendar", "id", "tracking"] {
        assert!(out.stdout.contains(cmd), "{}", out.stdout);
    }
}

#[test]
fn spring_festival_2026_days_off_and_adjusted_saturdays() {
    for (date, working) in [
        ("2026-02-13", true),
        ("2026-02-14", true),
        ("2026-02-15", false),
        ("2026-02-19", false),
        ("2026-02-23", false),
        ("2026-02-24", true),
        ("2026-02-28", true),
        ("2026-03-01", false),
    ] {
        let out = wangban(&["calendar", "is-working-day", date, "--json"]);
        assert_eq!(out.status, 0, "{date}: {}", out.stderr);
        let v = out.json();
        assert_eq!(v["working_day"], working, "{date}: {v}");
        assert_eq!(v["date"], date);
        assert_eq!(v["provisional"], false);
    }
    let v = wangban(&["calendar", "is-working-day", "2026-02-14", "--json"]).json();
    assert_eq!(v["holiday"]["name_en"], "Spring Festival");
}

#[test]
fn human_output_follows_the_language() {
    let zh = wangban(&["calendar", "is-working-day", "2026-02-16"]);
    assert_eq!(zh.status, 0);
    assert!(zh.stdout.contains("春节假期"), "{}", zh.stdout);
    let en = wangban(&["--lang", "en", "calendar", "is-working-day", "2026-02-16"]);
    assert!(en.stdout.contains("day off"), "{}", en.stdout);
    assert!(en.stdout.contains("Spring Festival"), "{}", en.stdout);
}

#[test]
fn add_working_days_across_the_year_boundary() {
    let v = wangban(&["calendar", "add-working-days", "2025-12-31", "1", "--json"]).json();
    // 1–3 January 2026 are off; Sunday 4 January is a working day.
    assert_eq!(v["date"], "2026-01-04");
    let v = wangban(&["calendar", "add-working-days", "2026-02-13", "3", "--json"]).json();
    assert_eq!(v["date"], "2026-02-25");
    let v = wangban(&["calendar", "add-working-days", "2026-02-25", "-3", "--json"]).json();
    assert_eq!(v["date"], "2026-02-13");
}

#[test]
fn working_days_between() {
    let v = wangban(&[
        "calendar",
        "working-days-between",
        "2026-02-13",
        "2026-02-28",
        "--json",
    ])
    .json();
    // 14 Feb (adjusted Saturday), 24–27 Feb, 28 Feb (adjusted Saturday).
    assert_eq!(v["working_days"], 6);
    let v = wangban(&[
        "calendar",
        "working-days-between",
        "2026-02-28",
        "2026-02-13",
        "--json",
    ])
    .json();
    assert_eq!(v["working_days"], -6);
}

#[test]
fn a_year_without_data_is_an_explicit_error() {
    let out = wangban(&["calendar", "is-working-day", "2027-03-01", "--json"]);
    assert_eq!(out.status, 2);
    let v = out.json();
    assert!(
        v["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("calendar-"),
        "{v}"
    );
    let out = wangban(&[
        "--lang",
        "en",
        "calendar",
        "add-working-days",
        "2026-12-28",
        "10",
    ]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("2027"), "{}", out.stderr);
}

#[test]
fn weekends_fallback_is_configuration_and_flagged_provisional() {
    let out = wangban_with_env(
        &[(
            "WANGBAN_CALENDAR__YEARS_WITHOUT_DATA",
            "weekends_only".as_ref(),
        )],
        &["calendar", "is-working-day", "2027-03-01", "--json"],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["working_day"], true);
    assert_eq!(v["provisional"], true);
}

#[test]
fn a_calendar_dir_adds_a_year_without_a_release() {
    let dir = std::env::temp_dir().join(format!("wangban-cal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A made-up year for the test (the real 2027 notice is not in our data yet).
    std::fs::write(
        dir.join("2027.toml"),
        "year = 2027\nnotice = \"test\"\n[[holiday]]\nname_zh = \"国庆节\"\nname_en = \"National Day\"\noff = [2027-10-01, 2027-10-07]\nworking = [2027-09-26]\n",
    )
    .unwrap();
    let out = wangban_with_env(
        &[("WANGBAN_CALENDAR__DIR", dir.as_os_str())],
        &["calendar", "is-working-day", "2027-10-05", "--json"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["working_day"], false);
    assert_eq!(v["provisional"], false);
}

#[test]
fn id_check_valid_number_with_details() {
    let out = wangban(&["id", "check", "11010519491231002X", "--json"]);
    assert_eq!(out.status, 0);
    let v = out.json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["birth_date"], "1949-12-31");
    assert_eq!(v["sex"], "female");
    assert_eq!(v["issuing_area"]["code"], "110105");
    assert_eq!(v["issuing_area"]["name_en"], "Beijing");
    let text = wangban(&["id", "check", "310103198001010010"]);
    // Luwan District was merged into Huangpu in 2011, but numbers issued there stay valid.
    assert_eq!(text.status, 0, "{}", text.stdout);
    assert!(text.stdout.contains("卢湾区"), "{}", text.stdout);
}

#[test]
fn id_check_invalid_number_says_why() {
    let out = wangban(&["id", "check", "360426199101010072", "--json"]);
    assert_eq!(out.status, 1);
    let v = out.json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["code"], "id-check-character");
    assert!(v["reason"].as_str().unwrap().contains('1'));
    let out = wangban(&["--lang", "en", "id", "check", "12345"]);
    assert_eq!(out.status, 1);
    assert!(out.stdout.contains("18 characters"), "{}", out.stdout);
}

#[test]
fn tracking_check_valid_and_invalid() {
    let v = wangban(&["tracking", "check", "RM123456785GB", "--json"]).json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["serial"], "12345678");
    let out = wangban(&["tracking", "check", "AA473124828GB", "--json"]);
    assert_eq!(out.status, 1);
    assert_eq!(out.json()["code"], "s10-check-digit");
}

#[test]
fn bad_dates_and_bad_configuration_are_clear_errors() {
    let out = wangban(&["calendar", "is-working-day", "2026-02-30"]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("2026-02-30"), "{}", out.stderr);
    let out = wangban_with_env(
        &[("WANGBAN_FEES__PASPORT", "1".as_ref())],
        &["id", "check", "11010519491231002X"],
    );
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("pasport"), "{}", out.stderr);
}
