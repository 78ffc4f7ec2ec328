use gloo_timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use upcheck_core::decimal::Decimal;
use upcheck_core::summary::format_ms;
use upcheck_core::wire::Timings;
use upcheck_core::Row;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::model::waterfall::{self as wf, Bar, Lane, STRIP, WIDTH};
use crate::services::check::now;
use crate::state::RunInfo;

/// Lanes drawn at most: past this, consecutive sites share a lane, so a
/// 10,000-site run draws as few elements as a 120-site one.
const MOST_LANES: usize = 120;
/// Milliseconds between redraws while a run goes.
const LIVE_MS: u32 = 250;
/// Room under the strip for the time axis.
const AXIS: f64 = 18.0;

/// Props for [`Waterfall`].
#[derive(Properties, Clone)]
pub(crate) struct WaterfallProps {
    /// All rows.
    pub(crate) rows: Rc<RefCell<Vec<Rc<Row>>>>,
    /// Ids of the rows shown, in order (the list's sort, filter and search).
    pub(crate) shown: Rc<Vec<usize>>,
    /// Changes whenever any row changes.
    pub(crate) version: u64,
    /// The current or last run.
    pub(crate) run: Option<RunInfo>,
    /// Show row `id` in the list.
    pub(crate) onselect: Callback<usize>,
    /// Save the chart as an SVG file.
    pub(crate) onexport: Callback<()>,
}

impl PartialEq for WaterfallProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows)
            && Rc::ptr_eq(&self.shown, &other.shown)
            && self.version == other.version
            && self.run == other.run
            && self.onselect == other.onselect
            && self.onexport == other.onexport
    }
}

/// When the chart's layout is worked out again: while a run goes, on the
/// clock; after it, when a row or the view changes.
#[derive(PartialEq)]
enum Redraw {
    Live(u64, u64),
    Settled(u64, usize),
}

/// What one render draws, worked out once per change of the rows or view.
struct Layout {
    /// Every timed check of the run (the scale and the in-flight strip).
    all: Vec<Bar>,
    /// Those the list shows, in its order.
    shown: Vec<Bar>,
    lanes: Vec<Lane>,
    /// Per lane: what it says when read, and the proxy's phases of a
    /// one-site lane.
    words: Vec<(String, Option<Timings>)>,
    scale: f64,
    /// Checks in flight per column of the strip.
    columns: Vec<u32>,
    /// Most checks in flight at once.
    most: usize,
}

impl Layout {
    /// `now_ms`: the run's clock while it goes (checks in flight drawn to
    /// it), `None` once it is over.
    fn new(rows: &[Rc<Row>], shown_ids: &[usize], now_ms: Option<f64>) -> Layout {
        let (all, shown) = match now_ms {
            Some(now) => (
                wf::live_bars(rows, 0..rows.len(), now),
                wf::live_bars(rows, shown_ids.iter().copied(), now),
            ),
            None => (
                wf::bars(rows, 0..rows.len()),
                wf::bars(rows, shown_ids.iter().copied()),
            ),
        };
        let lanes = wf::lanes(&shown, MOST_LANES);
        let url = |id: u32| rows.get(id as usize).map_or("", |r| r.url.as_str());
        let words = lanes
            .iter()
            .map(|lane| {
                let first = &shown[lane.first];
                if lane.count == 1 {
                    let timings = rows
                        .get(first.id as usize)
                        .and_then(|r| r.result())
                        .and_then(|r| r.proxy.as_ref())
                        .map(|line| line.timings_ms);
                    let mut text = wf::describe(url(first.id), first);
                    if let Some(t) = &timings {
                        text.push_str(&format!(" · {}", phase_words(t)));
                    }
                    (text, timings)
                } else {
                    let group = &shown[lane.first..lane.first + lane.count];
                    let text = format!(
                        "{} sites, {} to {}: {}, {} → {}",
                        lane.count,
                        url(first.id),
                        url(group[lane.count - 1].id),
                        wf::tally(group),
                        format_ms(f64::from(lane.start)),
                        format_ms(f64::from(lane.end)),
                    );
                    (text, None)
                }
            })
            .collect();
        let scale = f64::from(all.iter().map(|b| b.end).fold(0.0, f32::max)).max(1.0);
        Layout {
            columns: wf::in_flight(&all, 200, scale),
            most: wf::max_overlap(&all),
            all,
            shown,
            lanes,
            words,
            scale,
        }
    }
}

/// The proxy's phases of a check, as words.
fn phase_words(t: &Timings) -> String {
    let ms = |v: Option<u64>| v.map_or("—".to_owned(), |v| format!("{v} ms"));
    format!(
        "DNS {} · connect {} · TLS {} · first byte {}",
        ms(t.dns),
        ms(t.connect),
        ms(t.tls),
        ms(t.ttfb)
    )
}

/// The in-flight strip (model's [`wf::strip`]) and its labels, above the bars.
fn strip(columns: &[u32], limit: u32) -> Html {
    let line = wf::strip(columns, limit);
    html! {
        <g class="inflight" aria-hidden="true">
            <path d={line.path.clone()} />
            <line class="limit" x1="0" x2={Decimal(WIDTH).to_string()}
                y1={format!("{:.1}", Decimal(line.limit_y))} y2={format!("{:.1}", Decimal(line.limit_y))} />
            <text x="4" y={format!("{:.1}", Decimal(line.label_y()))}>{ format!("limit {limit}") }</text>
            <text x={Decimal(WIDTH).to_string()} y="10" text-anchor="end">{ format!("in flight, at most {}", line.peak) }</text>
        </g>
    }
}

/// Ticks every 1, 2 or 5 × 10ⁿ ms, at most six.
fn axis(scale: f64, y: f64, bottom: f64) -> Html {
    let step = [1.0, 2.0, 5.0]
        .iter()
        .flat_map(|m| (0..7).map(move |e| m * 10_f64.powi(e)))
        .filter(|s| scale / s <= 6.0)
        .fold(f64::INFINITY, f64::min);
    let ticks = (0..=((scale / step) as usize)).map(|i| {
        let t = i as f64 * step;
        let x = t / scale * WIDTH;
        let anchor = if i == 0 { "start" } else { "middle" };
        html! {
            <>
                <line class="tick" x1={format!("{:.1}", Decimal(x))} x2={format!("{:.1}", Decimal(x))} y1={format!("{:.1}", Decimal(y))} y2={format!("{:.0}", Decimal(bottom))} />
                <text x={format!("{:.1}", Decimal(x))} y={format!("{:.1}", Decimal(y + 12.0))} text-anchor={anchor}>{ format_ms(t) }</text>
            </>
        }
    });
    html! { <g class="axis" aria-hidden="true">{ for ticks }</g> }
}

/// Every check of the run as a bar on the run's clock, in the list's order
/// and filter, with checks in flight over time above them: the difference
/// between one at a time (a staircase) and all at once (a wall), drawn.
#[component]
pub(crate) fn Waterfall(props: &WaterfallProps) -> Html {
    let active = use_state_eq(|| 0_usize);
    let caption = use_state_eq(|| None::<String>);
    // While a run goes the chart is redrawn every LIVE_MS, not with every
    // frame's results: checks in flight grow to now between answers, and the
    // page's main thread also reads the checks' answers (on a loaded machine
    // WebKit's checks ran into their deadlines more often while the chart
    // was redrawn 60 times a second).
    let running = props.run.as_ref().filter(|r| r.wall_ms.is_none());
    let frame = use_state_eq(|| 0_u64);
    {
        let frame = frame.clone();
        use_effect_with(running.map(|r| r.id), move |run| {
            let ticker = run.map(|_| {
                let mut n = *frame;
                Interval::new(LIVE_MS, move || {
                    n += 1;
                    frame.set(n);
                })
            });
            move || drop(ticker)
        });
    }
    let layout = {
        let (rows, shown) = (props.rows.clone(), props.shown.clone());
        let clock = running.map(|r| r.started_at);
        let key = match running {
            Some(run) => Redraw::Live(run.id, *frame),
            None => Redraw::Settled(props.version, Rc::as_ptr(&props.shown) as usize),
        };
        use_memo((key, Rc::as_ptr(&props.rows) as usize), move |_| {
            Layout::new(&rows.borrow(), &shown, clock.map(|t| now() - t))
        })
    };
    let Some(run) = &props.run else {
        return Html::default();
    };
    if layout.all.is_empty() {
        return Html::default();
    }
    let limit = run.limit();
    let n = layout.lanes.len();
    let lane_h = (360.0 / n.max(1) as f64).clamp(3.0, 14.0);
    let top = STRIP + AXIS;
    let height = top + lane_h * n as f64 + 4.0;
    let x = |ms: f32| f64::from(ms) / layout.scale * WIDTH;
    let active_lane = (*active).min(n.saturating_sub(1));

    let focus_lane = |i: usize| {
        if let Some(el) = document().get_element_by_id(&format!("wf-lane-{i}")) {
            let _ = el.unchecked_ref::<HtmlElement>().focus();
        }
    };
    let onkeydown = {
        let (active, layout, onselect) = (active.clone(), layout.clone(), props.onselect.clone());
        let caption = caption.clone();
        Callback::from(move |e: KeyboardEvent| {
            let last = layout.lanes.len().saturating_sub(1);
            let now = (*active).min(last);
            let next = match e.key().as_str() {
                "ArrowDown" | "ArrowRight" => (now + 1).min(last),
                "ArrowUp" | "ArrowLeft" => now.saturating_sub(1),
                "Home" => 0,
                "End" => last,
                "Enter" | " " => {
                    e.prevent_default();
                    if let Some(lane) = layout.lanes.get(now) {
                        onselect.emit(layout.shown[lane.first].id as usize);
                    }
                    return;
                }
                _ => return,
            };
            e.prevent_default();
            active.set(next);
            // Said here too, not only on focus: a browser whose window is not
            // focused moves focus without a focus event.
            if let Some((text, _)) = layout.words.get(next) {
                caption.set(Some(text.clone()));
            }
            focus_lane(next);
        })
    };
    let bars = layout.lanes.iter().enumerate().map(|(i, lane)| {
        let first = layout.shown[lane.first];
        let (words, timings) = &layout.words[i];
        let y = top + lane_h * i as f64;
        let (x0, x1) = (x(lane.start), x(lane.end));
        let onclick = {
            let (cb, active) = (props.onselect.clone(), active.clone());
            Callback::from(move |_: MouseEvent| {
                active.set(i);
                cb.emit(first.id as usize);
            })
        };
        let show = {
            let (caption, active, words) = (caption.clone(), active.clone(), words.clone());
            move |focused: bool| {
                if focused {
                    active.set(i);
                }
                caption.set(Some(words.clone()));
            }
        };
        let onfocusin = {
            let show = show.clone();
            Callback::from(move |_: FocusEvent| show(true))
        };
        let onmouseenter = Callback::from(move |_: MouseEvent| show(false));
        // The proxy's phases, from the estimated start, over the lower half.
        let phases = timings.as_ref().map(|t| {
            let mut at = x0;
            let parts = [
                ("dns", t.dns),
                ("connect", t.connect),
                ("tls", t.tls),
                ("ttfb", t.ttfb),
            ];
            let rects = parts.into_iter().filter_map(|(class, ms)| {
                let w = ms? as f64 / layout.scale * WIDTH;
                let rect = html! {
                    <rect class={classes!("phase", class)} x={format!("{:.1}", Decimal(at))}
                        y={format!("{:.1}", Decimal(y + lane_h * 0.5))} width={format!("{:.1}", Decimal(w.max(0.5)))}
                        height={format!("{:.1}", Decimal((lane_h * 0.5 - 1.0).max(1.0)))} />
                };
                at += w;
                Some(rect)
            });
            html! { <>{ for rects }</> }
        });
        html! {
            <g id={format!("wf-lane-{i}")} class={classes!("bar", lane.outcome.as_str())}
                tabindex={if i == active_lane { "0" } else { "-1" }} role="listitem"
                aria-label={words.clone()} data-id={first.id.to_string()}
                data-count={lane.count.to_string()} data-outcome={lane.outcome.as_str()}
                data-start-ms={format!("{:.1}", Decimal(f64::from(lane.start)))} data-end-ms={format!("{:.1}", Decimal(f64::from(lane.end)))}
                {onclick} {onfocusin} {onmouseenter}>
                <title>{ words.clone() }</title>
                <rect class="span" x={format!("{:.1}", Decimal(x0))} y={format!("{:.1}", Decimal(y))}
                    width={format!("{:.1}", Decimal((x1 - x0).max(2.0)))} height={format!("{:.1}", Decimal((lane_h - 1.0).max(2.0)))} />
                { for phases }
            </g>
        }
    });
    let mut notes = Vec::new();
    if layout.shown.len() < layout.all.len() {
        notes.push(format!(
            "{} of {} checks shown, as the list is filtered",
            layout.shown.len(),
            layout.all.len()
        ));
    }
    if layout.lanes.iter().any(|l| l.count > 1) {
        notes.push(format!(
            "each bar draws up to {} consecutive sites (coloured by their commonest failure)",
            layout.lanes[0].count
        ));
    }
    if run.everywhere() {
        notes.push(format!(
            "a bar spans a site's checks from all {} vantage points",
            run.vantages.len()
        ));
    } else if run.via_proxy {
        notes.push(
            "through the proxy a bar ends when its line arrived and starts that long before \
             (the proxy's own time): DNS, connect, TLS and first byte beneath"
                .to_owned(),
        );
    }
    let hint =
        "Hover or focus a bar for its site and times; click it or press Enter to show its row.";
    html! {
        <section id="waterfall" class="waterfall" aria-labelledby="waterfall-title">
            <h2 id="waterfall-title">{ "Waterfall" }</h2>
            <p id="waterfall-summary" class="hint">
                { wf::summary(&layout.all, layout.most, limit) }
                { for notes.iter().map(|n| html! { <>{ " · " }{ n }</> }) }
            </p>
            <svg id="waterfall-chart" viewBox={format!("0 0 {} {:.0}", Decimal(WIDTH), Decimal(height))}
                role="list" aria-label="Waterfall: one bar per check, start to end; arrow keys move between bars"
                aria-describedby="waterfall-summary"
                data-bars={layout.shown.len().to_string()} data-lanes={n.to_string()}
                data-max-overlap={layout.most.to_string()}
                data-limit={limit.to_string()}
                {onkeydown}>
                { strip(&layout.columns, limit) }
                { axis(layout.scale, STRIP + 2.0, height) }
                { for bars }
            </svg>
            <p id="waterfall-caption" class="caption">{ (*caption).clone().unwrap_or_else(|| hint.to_owned()) }</p>
            <button id="export-waterfall" onclick={props.onexport.reform(|_: MouseEvent| ())}>
                { "Export waterfall (SVG)" }
            </button>
        </section>
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a page has a document")
}

/// Props for [`RunChart`].
#[derive(Properties, PartialEq)]
pub(crate) struct RunChartProps {
    /// The run's bars, in list order.
    pub(crate) bars: Rc<Vec<Bar>>,
    /// Milliseconds the chart's width stands for (shared by charts compared).
    pub(crate) scale: f64,
    /// Which run: "sequential" or "concurrent".
    pub(crate) mode: AttrValue,
    /// What it is called.
    pub(crate) label: AttrValue,
    /// Its concurrency limit.
    pub(crate) limit: u32,
}

/// A finished run's waterfall, small, on a scale it shares with another run.
#[component]
pub(crate) fn RunChart(props: &RunChartProps) -> Html {
    let lanes = wf::lanes(&props.bars, 60);
    let lane_h = (120.0 / lanes.len().max(1) as f64).clamp(2.0, 8.0);
    let height = lane_h * lanes.len() as f64 + 16.0;
    let x = |ms: f32| f64::from(ms) / props.scale.max(1.0) * WIDTH;
    let bars = lanes.iter().enumerate().map(|(i, lane)| {
        let words = format!(
            "{}: {}, {} → {}",
            if lane.count == 1 {
                format!("site {}", props.bars[lane.first].id + 1)
            } else {
                format!("{} sites", lane.count)
            },
            lane.outcome.as_str(),
            format_ms(f64::from(lane.start)),
            format_ms(f64::from(lane.end))
        );
        html! {
            <rect class={classes!("bar", lane.outcome.as_str())} x={format!("{:.1}", Decimal(x(lane.start)))}
                y={format!("{:.1}", Decimal(lane_h * i as f64))} width={format!("{:.1}", Decimal((x(lane.end) - x(lane.start)).max(2.0)))}
                height={format!("{:.1}", Decimal((lane_h - 0.5).max(1.0)))}
                data-start-ms={format!("{:.1}", Decimal(f64::from(lane.start)))} data-end-ms={format!("{:.1}", Decimal(f64::from(lane.end)))}>
                <title>{ words }</title>
            </rect>
        }
    });
    let end = f64::from(props.bars.iter().map(|b| b.end).fold(0.0, f32::max));
    let most = wf::max_overlap(&props.bars);
    let words = format!(
        "{}: {}",
        props.label,
        wf::summary(&props.bars, most, props.limit)
    );
    html! {
        <figure class="run-chart" data-mode={props.mode.clone()}>
            <figcaption>{ format!("{} · {}", props.label, format_ms(end)) }</figcaption>
            <svg viewBox={format!("0 0 {} {:.0}", Decimal(WIDTH), Decimal(height))} role="img" aria-label={words}
                data-max-overlap={most.to_string()}>
                { for bars }
                <line class="end" x1={format!("{:.1}", Decimal(x(end as f32)))} x2={format!("{:.1}", Decimal(x(end as f32)))}
                    y1="0" y2={format!("{:.0}", Decimal(height))} />
            </svg>
        </figure>
    }
}
