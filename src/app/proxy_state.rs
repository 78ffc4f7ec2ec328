//! What the page knows about the proxy, and where a run goes because of it.

use upcheck_core::wire::Health;
use upcheck_core::StatusRule;
use yew::prelude::*;

use crate::model::ViaChoice;
use crate::services::engine::Via;
use crate::services::proxy;

/// What the page knows about the proxy.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ProxyState {
    /// Asking `GET /api/health`.
    Probing(String),
    /// An Upcheck proxy answered at this base URL.
    Found(String, Health),
    /// Nothing (or something else) answered, and why.
    Missing(String, String),
}

/// Looks for a proxy at `url`, or on this page's own server when it is empty,
/// again whenever it changes.
#[hook]
pub(super) fn use_proxy(url: &str) -> ProxyState {
    let state = use_state(|| ProxyState::Probing(String::new()));
    {
        let state = state.setter();
        use_effect_with(url.to_owned(), move |url| {
            let base = if url.is_empty() {
                page_origin()
            } else {
                url.clone()
            };
            state.set(ProxyState::Probing(base.clone()));
            yew::platform::spawn_local(async move {
                state.set(match proxy::probe(&base).await {
                    Ok(health) => ProxyState::Found(base, health),
                    Err(why) => ProxyState::Missing(base, why),
                });
            });
        });
    }
    (*state).clone()
}

impl ProxyState {
    pub(super) fn describe(&self) -> String {
        match self {
            ProxyState::Probing(base) => format!("looking for a proxy at {base}…"),
            ProxyState::Found(base, h) => format!(
                "proxy found at {base} ({} {}, {} checks at once)",
                h.name, h.version, h.limits.concurrency
            ),
            ProxyState::Missing(base, why) => {
                format!("no proxy at {base} ({why}); checks run in this browser")
            }
        }
    }

    /// Where a run with `choice` and status rule `accept` goes, or why it
    /// cannot run. `options`: the run uses per-site options, a slow
    /// threshold or retries.
    pub(super) fn route(
        &self,
        choice: ViaChoice,
        accept: &StatusRule,
        options: bool,
    ) -> Result<Via, String> {
        match (choice, self) {
            (ViaChoice::Direct, _) => Ok(Via::Direct),
            // A proxy from before the rule travelled with the batch would judge
            // by 200-399 whatever the person set: say so rather than mislead.
            (_, ProxyState::Found(base, health))
                if !health.limits.honours_accept && *accept != StatusRule::default() =>
            {
                Err(format!(
                    "Up if status: the proxy at {base} ({}) is older and judges every \
                     site by 200-399; update it, or check from this browser",
                    health.version
                ))
            }
            // Likewise a proxy from before per-site options would refuse the
            // batch (or, for slow and retries, ignore them).
            (_, ProxyState::Found(base, health)) if !health.limits.site_options && options => {
                Err(format!(
                    "Options: the proxy at {base} ({}) is older and does not take per-site \
                     options (contains=, slow=, retries=…) or the Slow after and Retries \
                     settings; update it, or check from this browser",
                    health.version
                ))
            }
            (_, ProxyState::Found(base, health)) => Ok(Via::Proxy {
                base: base.clone(),
                max_urls: health.limits.max_urls,
                in_flight: health.limits.batch_in_flight(),
                // "Proxy if one answers" is about reaching sites, not about
                // the proxy: what it must refuse, the browser may check.
                fallback: choice == ViaChoice::Auto,
            }),
            (ViaChoice::Auto, _) => Ok(Via::Direct),
            (ViaChoice::Proxy, ProxyState::Probing(base)) => Err(format!(
                "Proxy: still looking for the proxy at {base}; try again in a moment"
            )),
            (ViaChoice::Proxy, ProxyState::Missing(base, why)) => {
                Err(format!("Proxy: no Upcheck proxy answers at {base} ({why})"))
            }
        }
    }
}

/// `http://host:port` of this page: where its own server's proxy would answer.
fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(site_options: bool) -> ProxyState {
        let health = format!(
            r#"{{"name":"upcheck-proxy","version":"0.1.0","limits":{{"max_urls":100,
            "max_body_bytes":1000,"concurrency":8,"per_host":4,"global_concurrency":64,
            "rate_per_minute":null,"rate_burst":5,"max_redirects":10,"min_timeout_ms":100,
            "max_timeout_ms":120000,"insecure_allow_loopback":false,"honours_accept":true,
            "site_options":{site_options}}}}}"#
        );
        ProxyState::Found(
            "http://p.test".into(),
            serde_json::from_str(&health).unwrap(),
        )
    }

    #[test]
    fn an_older_proxy_is_not_sent_options_it_would_refuse() {
        let rule = StatusRule::default();
        let older = found(false);
        for choice in [ViaChoice::Auto, ViaChoice::Proxy] {
            let refused = older.route(choice, &rule, true).unwrap_err();
            assert!(refused.starts_with("Options: the proxy at http://p.test"));
            assert!(matches!(
                older.route(choice, &rule, false),
                Ok(Via::Proxy { .. })
            ));
            assert!(matches!(
                found(true).route(choice, &rule, true),
                Ok(Via::Proxy { .. })
            ));
        }
        assert_eq!(older.route(ViaChoice::Direct, &rule, true), Ok(Via::Direct));
    }
}
