//! What the page knows about the proxies (its own and the remote ones the
//! person named), and where a run goes because of it.

use std::collections::HashMap;
use std::rc::Rc;
use upcheck_core::vantage::{Vantage, THIS_PROXY};
use upcheck_core::wire::Health;
use upcheck_core::StatusRule;
use yew::prelude::*;

use crate::components::Place;
use crate::model::{Remote, Vantages, ViaChoice};
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

/// What each remote proxy's `/api/health` said, by base URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Remotes(HashMap<String, ProxyState>);

impl Reducible for Remotes {
    type Action = (String, ProxyState);

    fn reduce(self: Rc<Self>, (url, found): (String, ProxyState)) -> Rc<Self> {
        let mut next = (*self).clone();
        next.0.insert(url, found);
        Rc::new(next)
    }
}

impl Remotes {
    /// What is known of the proxy at `url` (probing until it answers).
    pub(super) fn get(&self, url: &str) -> ProxyState {
        self.0
            .get(url)
            .cloned()
            .unwrap_or_else(|| ProxyState::Probing(url.to_owned()))
    }
}

/// Asks each remote proxy's `/api/health`, again whenever the list of URLs
/// changes (a proxy already asked keeps its answer until then).
#[hook]
pub(super) fn use_remotes(remotes: &[Remote]) -> UseReducerHandle<Remotes> {
    let found = use_reducer(Remotes::default);
    let urls: Vec<String> = remotes.iter().map(|r| r.url.clone()).collect();
    {
        let dispatcher = found.dispatcher();
        use_effect_with(urls, move |urls| {
            for url in urls.clone() {
                let dispatcher = dispatcher.clone();
                dispatcher.dispatch((url.clone(), ProxyState::Probing(url.clone())));
                yew::platform::spawn_local(async move {
                    let state = match proxy::probe(&url).await {
                        Ok(health) => ProxyState::Found(url.clone(), health),
                        Err(why) => ProxyState::Missing(url.clone(), why),
                    };
                    dispatcher.dispatch((url, state));
                });
            }
        });
    }
    found
}

/// Every vantage point that is on, with where its checks go, for a run
/// "from every vantage point"; or why the run cannot go. A remote proxy that
/// does not answer stays in: its cells then say it could not check.
pub(super) fn route_everywhere(
    own: &ProxyState,
    remotes: &Remotes,
    vantages: &Vantages,
    accept: &StatusRule,
    options: bool,
) -> Result<Vec<(Vantage, Via)>, String> {
    let mut routes = Vec::new();
    if vantages.browser {
        routes.push((Vantage::browser(), Via::Direct));
    }
    if vantages.own_proxy {
        if let ProxyState::Found(..) = own {
            routes.push((Vantage::proxy(THIS_PROXY), own.route_one(accept, options)?));
        }
    }
    for remote in vantages.remotes.iter().filter(|r| r.enabled) {
        let via = match remotes.get(&remote.url) {
            found @ ProxyState::Found(..) => found.route_one(accept, options)?,
            ProxyState::Probing(base) | ProxyState::Missing(base, _) => Via::Proxy {
                base,
                max_urls: upcheck_core::defaults::PROXY_MAX_URLS,
                in_flight: 1,
                fallback: false,
            },
        };
        routes.push((Vantage::proxy(remote.label.clone()), via));
    }
    if routes.is_empty() {
        return Err(
            "Check via: every vantage point is off; turn one on under Vantage points, \
                    or check from this browser"
                .to_owned(),
        );
    }
    Ok(routes)
}

impl ProxyState {
    /// The proxy's route as one vantage point among several (no fallback:
    /// the browser is a vantage point of its own).
    fn route_one(&self, accept: &StatusRule, options: bool) -> Result<Via, String> {
        match self.route(ViaChoice::Proxy, accept, options)? {
            Via::Proxy {
                base,
                max_urls,
                in_flight,
                ..
            } => Ok(Via::Proxy {
                base,
                max_urls,
                in_flight,
                fallback: false,
            }),
            Via::Direct => Ok(Via::Direct),
        }
    }

    /// The proxy's own name for itself (`--label`), when it gave one.
    pub(super) fn label(&self) -> Option<&str> {
        match self {
            ProxyState::Found(_, health) => health.label.as_deref(),
            ProxyState::Probing(_) | ProxyState::Missing(..) => None,
        }
    }

    /// This proxy as a line of the vantage panel.
    pub(super) fn place(&self) -> Place {
        match self {
            ProxyState::Probing(base) => Place {
                state: "probing",
                note: format!("asking {base}…"),
            },
            ProxyState::Found(base, h) => Place {
                state: "found",
                note: format!(
                    "{}{} {} at {base}, {} checks at once",
                    h.label
                        .as_deref()
                        .map(|l| format!("{l}: "))
                        .unwrap_or_default(),
                    h.name,
                    h.version,
                    h.limits.batch_in_flight()
                ),
            },
            ProxyState::Missing(base, why) => Place {
                state: "missing",
                note: format!("no proxy at {base} ({why})"),
            },
        }
    }

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
            // Several vantage points are routed by `route_everywhere`; as one
            // route it means this page's proxy like "the proxy".
            (ViaChoice::Everywhere, _) => self.route(ViaChoice::Proxy, accept, options),
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
