use std::sync::Arc;
use upcheck_core::decimal::Decimal;
use upcheck_core::defaults::CERT_WARN_DAYS;
use upcheck_core::wire::CheckLine;
use yew::prelude::*;

/// Props for [`RowDetails`].
#[derive(Properties)]
pub(crate) struct RowDetailsProps {
    /// What the proxy reported for the site.
    pub(crate) line: Arc<CheckLine>,
}

impl PartialEq for RowDetailsProps {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.line, &other.line)
    }
}

/// What only the proxy can see, behind a disclosure: the redirect chain, the
/// timing breakdown as a bar, the address (each family when the name has
/// both), the HTTP version, the TLS session and certificate, and the
/// security headers' grade with what is missing.
#[component]
pub(crate) fn RowDetails(props: &RowDetailsProps) -> Html {
    let line = &props.line;
    let t = &line.timings_ms;
    let phases = [
        ("dns", "DNS", t.dns),
        ("connect", "connect", t.connect),
        ("tls", "TLS", t.tls),
        ("ttfb", "first byte", t.ttfb),
    ];
    let measured: u64 = phases.iter().filter_map(|p| p.2).sum::<u64>().max(1);
    let bar = phases.iter().filter_map(|(class, name, ms)| {
        let ms = (*ms)?;
        let width = (ms as f64 / measured as f64 * 100.0).max(1.0);
        Some(html! {
            <span class={classes!("phase", *class)} style={format!("width:{:.1}%", Decimal(width))}
                title={format!("{name} {ms} ms")} />
        })
    });
    let legend = phases
        .iter()
        .filter_map(|(_, name, ms)| ms.map(|ms| format!("{name} {ms} ms")))
        .chain(std::iter::once(format!("total {} ms", t.total)))
        .collect::<Vec<_>>()
        .join(" · ");
    html! {
        <details class="more">
            <summary>{ "details" }</summary>
            if !line.redirects.is_empty() {
                <ol class="chain" aria-label="redirect chain">
                    { for line.redirects.iter().map(|r| html! {
                        <li>{ format!("{} → {}", r.status, r.url) }</li>
                    }) }
                    if let Some(to) = &line.final_url {
                        <li>{ format!("{} {}", line.status.map(|s| s.to_string()).unwrap_or_default(), to) }</li>
                    }
                </ol>
            }
            <div class="timing-bar" role="img" aria-label={legend.clone()}>{ for bar }</div>
            <div class="timing-legend">{ legend }</div>
            <dl class="facts">
                if let Some(ip) = &line.ip {
                    <dt>{ "address" }</dt><dd class="ip">{ ip.to_string() }</dd>
                }
                if !line.families.is_empty() {
                    <dt>{ "IPv4 / IPv6" }</dt>
                    <dd class="families">
                        { for line.families.iter().map(|f| html! {
                            <span class={classes!("family", (!f.connected).then_some("warn"))}>
                                { match (&f.error, f.connect_ms) {
                                    (Some(why), _) => format!("{} ✗ {why}", f.family.label()),
                                    (None, Some(ms)) => format!("{} ✓ {} in {ms} ms", f.family.label(), f.ip),
                                    (None, None) => format!("{} ✓ {}", f.family.label(), f.ip),
                                } }
                            </span>
                        }) }
                    </dd>
                }
                if let Some(v) = &line.http_version {
                    <dt>{ "HTTP" }</dt><dd class="http-version">{ v }</dd>
                }
                if let Some(tls) = &line.tls {
                    if let Some(version) = &tls.version {
                        <dt>{ "TLS" }</dt>
                        <dd class="tls-session">
                            { version }
                            { tls.cipher.as_deref().map(|c| format!(" · {c}")).unwrap_or_default() }
                            { tls.chain_len.map(|n| format!(" · {n} certificate{} sent", if n == 1 { "" } else { "s" })).unwrap_or_default() }
                        </dd>
                    }
                    <dt>{ "certificate" }</dt>
                    <dd class={classes!("cert", (tls.days_left < CERT_WARN_DAYS || tls.verified == Some(false)).then_some("warn"))}>
                        { format!("expires {} ({} days) · {}", tls.not_after, tls.days_left, tls.issuer) }
                        if !tls.names.is_empty() {
                            { format!(" · for {}", tls.names.join(", ")) }
                        }
                        { match (tls.verified, tls.name_matches) {
                            (Some(true), _) => " · verified",
                            (Some(false), Some(false)) => " · not valid for this host",
                            (Some(false), _) => " · did not verify",
                            _ => "",
                        } }
                        if tls.days_left < CERT_WARN_DAYS {
                            <strong>{ " ⚠ renew soon" }</strong>
                        }
                    </dd>
                }
                if let Some(h) = &line.security_headers {
                    <dt>{ "headers" }</dt>
                    <dd class="security-headers">
                        <strong class="grade">{ format!("{} ", h.grade) }</strong>
                        { format!("({}/100)", h.score) }
                        { h.hsts.map(|s| format!(" · HSTS max-age={}{}{}", s.max_age,
                            if s.include_subdomains { "; includeSubDomains" } else { "" },
                            if s.preload { "; preload" } else { "" })).unwrap_or_default() }
                        { match h.missing(line.final_url.as_deref().is_some_and(|u| u.starts_with("https:"))) {
                            m if m.is_empty() => String::new(),
                            m => format!(" · {}", m.join(", ")),
                        } }
                    </dd>
                }
            </dl>
        </details>
    }
}
