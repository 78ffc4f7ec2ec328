//! docs/SECURITY.md cases 1–12: what the proxy refuses, with the loopback switch OFF
//! unless a case needs a loopback first hop to reach a later one. "No connection
//! was attempted" is shown by the fixture's counters, and for addresses that are
//! not the fixture's by `ip` and `timings_ms.connect` being null.

mod common;

use common::*;
use serde_json::json;
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

async fn assert_all_blocked(config: Config, urls: &[String]) -> Vec<serde_json::Value> {
    let (status, lines) = check(config, json!({ "urls": urls })).await;
    assert_eq!(status, 200);
    assert_eq!(lines.len(), urls.len());
    for line in &lines {
        assert_outcome(line, "blocked", Some("private_address"));
        assert_not_connected(line);
    }
    lines
}

#[tokio::test]
async fn case_1_loopback_by_address_and_by_name() {
    let f = Fixture::start(1).await.unwrap();
    let p = f.ports()[0];
    let urls = [
        format!("http://127.0.0.1:{p}/"),
        format!("http://localhost:{p}/"),
        format!("http://LOCALHOST.:{p}/"),
        format!("http://app.localhost:{p}/"),
        format!("http://[::1]:{p}/"),
        format!("http://127.8.9.10:{p}/"),
    ];
    assert_all_blocked(config(), &urls).await;
    assert_eq!(connections(f.stats()), 0);
}

#[tokio::test]
async fn case_2_numeric_forms_are_judged_after_parsing() {
    let f = Fixture::start(1).await.unwrap();
    let p = f.ports()[0];
    let urls: Vec<String> = [
        "2130706433",
        "0x7f.1",
        "0177.0.0.1",
        "127.1",
        "%31%32%37.0.0.1",
        "0x7f000001",
    ]
    .iter()
    .map(|h| format!("http://{h}:{p}/"))
    .collect();
    let lines = assert_all_blocked(config(), &urls).await;
    for line in lines {
        assert_eq!(line["url"], format!("http://127.0.0.1:{p}/"), "{line}");
    }
    assert_eq!(connections(f.stats()), 0);
}

#[tokio::test]
async fn case_3_ipv4_mapped_ipv6() {
    let f = Fixture::start(1).await.unwrap();
    let p = f.ports()[0];
    let urls = [
        format!("http://[::ffff:127.0.0.1]:{p}/"),
        format!("http://[::ffff:7f00:1]:{p}/"),
        "http://[::ffff:169.254.169.254]/".to_owned(),
    ];
    assert_all_blocked(config(), &urls).await;
    assert_eq!(connections(f.stats()), 0);
}

#[tokio::test]
async fn case_4_nat64_6to4_and_teredo_embeddings() {
    let urls: Vec<String> = [
        "[64:ff9b::7f00:1]",
        "[64:ff9b::a9fe:a9fe]",
        "[64:ff9b:1::a00:1]",
        "[2002:7f00:1::1]",
        "[2002:a00:1::1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
        "[::127.0.0.1]",
    ]
    .iter()
    .map(|h| format!("http://{h}/"))
    .collect();
    // Even with loopback allowed: these are not plain loopback.
    assert_all_blocked(loopback_config(), &urls).await;
}

#[tokio::test]
async fn case_5_private_link_local_cgnat_multicast_reserved() {
    let urls: Vec<String> = [
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "[fc00::1]",
        "[fe80::1]",
        "[fec0::1]",
        "[ff02::1]",
        "[::]",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "192.0.2.1",
        "198.18.0.1",
    ]
    .iter()
    .map(|h| format!("http://{h}/"))
    .collect();
    let lines = assert_all_blocked(loopback_config(), &urls).await;
    let msg = lines
        .iter()
        .find(|l| l["url"] == "http://169.254.169.254/")
        .unwrap();
    assert!(
        msg["error"]["message"]
            .as_str()
            .unwrap()
            .contains("link-local"),
        "{msg}"
    );
}

#[tokio::test]
async fn case_6_mixed_public_and_private_answers() {
    let resolver =
        arc(ScriptedResolver::new().answer("mixed.example", &["93.184.215.14", "10.0.0.1"]));
    let config = Config {
        resolver: Some(resolver.clone()),
        ..config()
    };
    let lines = assert_all_blocked(config, &["https://mixed.example/".to_owned()]).await;
    assert!(lines[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("10.0.0.1"));
    assert!(lines[0]["timings_ms"]["dns"].is_u64());
    assert_eq!(resolver.lookups("mixed.example"), 1);
}

#[tokio::test]
async fn case_7_one_lookup_per_hop_and_the_checked_address_is_used() {
    // Switch OFF: the first answer is judged and no second lookup happens.
    let resolver = arc(ScriptedResolver::new().answers_in_turn(
        "rebind.example",
        vec![Ok(ips(&["10.0.0.1"])), Ok(ips(&["93.184.215.14"]))],
    ));
    let config_off = Config {
        resolver: Some(resolver.clone()),
        ..config()
    };
    assert_all_blocked(config_off, &["http://rebind.example/".to_owned()]).await;
    assert_eq!(resolver.lookups("rebind.example"), 1);

    // Switch ON (only loopback is connectable here): a name answering loopback
    // first and private after is looked up once per hop, each hop re-judged,
    // and the connection goes to the address that was checked.
    let f = Fixture::start(1).await.unwrap();
    let p = f.ports()[0];
    let resolver = arc(ScriptedResolver::new().answers_in_turn(
        "rebind.example",
        vec![
            Ok(ips(&["127.0.0.1"])),
            Ok(ips(&["127.0.0.1"])),
            Ok(ips(&["127.0.0.1"])),
            Ok(ips(&["169.254.169.254"])),
        ],
    ));
    let config_on = Config {
        resolver: Some(resolver.clone()),
        ..loopback_config()
    };
    let line = check_one(
        config_on.clone(),
        &format!("http://rebind.example:{p}/redirect/1"),
        json!({}),
    )
    .await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["ip"], "127.0.0.1");
    assert_eq!(resolver.lookups("rebind.example"), 2, "one lookup per hop");
    let line = check_one(
        config_on,
        &format!("http://rebind.example:{p}/redirect/1"),
        json!({}),
    )
    .await;
    assert_outcome(&line, "blocked", Some("private_address"));
    assert_eq!(line["redirects"].as_array().unwrap().len(), 1);
    assert_not_connected(&line);
    assert_eq!(resolver.lookups("rebind.example"), 4);
    assert_eq!(requests(f.stats()), 3);
}

#[tokio::test]
async fn case_8_a_redirect_to_a_private_address_stops_there() {
    let f = Fixture::start(1).await.unwrap();
    let p = f.ports()[0];
    for target in [
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        format!("http://0.0.0.0:{p}/"),
        format!("http://[::ffff:10.0.0.1]:{p}/"),
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let first = f.url(0, &format!("/location/{encoded}"));
        let line = check_one(loopback_config(), &first, json!({})).await;
        assert_outcome(&line, "blocked", Some("private_address"));
        assert_eq!(line["redirects"], json!([{ "url": first, "status": 302 }]));
        assert_eq!(
            line["final_url"],
            url::Url::parse(&target).unwrap().as_str()
        );
        assert_not_connected(&line);
    }
    assert_eq!(
        requests(f.stats()),
        4,
        "only the first hops reached the fixture"
    );
}

#[tokio::test]
async fn case_10_other_schemes_never_touch_the_network() {
    let resolver = arc(ScriptedResolver::new());
    let config = Config {
        resolver: Some(resolver.clone()),
        ..config()
    };
    let urls = [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "data:text/plain,hi",
        "javascript:alert(1)",
        "ftp://example.com/",
    ];
    let (_, lines) = check(config, json!({ "urls": urls })).await;
    assert_eq!(lines.len(), urls.len());
    for line in &lines {
        assert_outcome(line, "invalid", Some("bad_url"));
        assert_not_connected(line);
    }
    assert_eq!(resolver.total.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn case_11_userinfo_and_backslash_tricks_are_judged_by_the_real_host() {
    let f = Fixture::start(1).await.unwrap();
    let p = f.ports()[0];
    let resolver = arc(ScriptedResolver::new().answer("example.com", &["198.51.100.7"]));
    let config = Config {
        resolver: Some(resolver.clone()),
        ..config()
    };
    let urls = [
        format!("http://user@example.com@127.0.0.1:{p}/"),
        format!("http://example.com\\@127.0.0.1:{p}/"),
    ];
    let (_, lines) = check(config, json!({ "urls": urls })).await;
    let by_index = |i: u64| lines.iter().find(|l| l["index"] == i).unwrap();
    // The real host of the first is 127.0.0.1.
    assert_outcome(by_index(0), "blocked", Some("private_address"));
    assert!(by_index(0)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1"));
    // The real host of the second is example.com; it was looked up, and judged.
    assert_outcome(by_index(1), "blocked", Some("private_address"));
    assert!(by_index(1)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("198.51.100.7"));
    assert_eq!(resolver.lookups("example.com"), 1);
    assert_eq!(connections(f.stats()), 0);
}

#[tokio::test]
async fn case_12_the_proxy_itself_is_refused_even_with_loopback_allowed() {
    let server = serve(loopback_config()).await;
    for url in [
        format!("http://{}/api/health", server.addr),
        format!("http://localhost:{}/", server.addr.port()),
    ] {
        let resp = post(server.addr, &[], json!({ "urls": [url] }).to_string()).await;
        use http_body_util::BodyExt;
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let lines = parse_lines(&body);
        assert_outcome(&lines[0], "blocked", Some("proxy_itself"));
        assert_not_connected(&lines[0]);
    }
}
