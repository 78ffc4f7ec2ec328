use std::sync::Arc;
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
/// timing breakdown as a bar, the address and HTTP version, the certificate.
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
            <span class={classes!("phase", *class)} style={format!("width:{width:.1}%")}
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
                if let Some(v) = &line.http_version {
                    <dt>{ "HTTP" }</dt><dd>{ v }</dd>
                }
                if let Some(tls) = &line.tls {
                    <dt>{ "certificate" }</dt>
                    <dd class={classes!("cert", (tls.days_left < CERT_WARN_DAYS).then_some("warn"))}>
                        { format!("expires {} ({} days) · {}", tls.not_after, tls.days_left, tls.issuer) }
                        if tls.days_left < CERT_WARN_DAYS {
                            <strong>{ " ⚠ renew soon" }</strong>
                        }
                    </dd>
                }
            </dl>
        </details>
    }
}
