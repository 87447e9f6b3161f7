//! The relay comparison: the same blaster, the same flows and the same
//! pinned core for every relay; a step search for each relay's maximum
//! loss-free rate, its CPU per packet, and its latency at half that rate.

use std::fmt::Write as _;
use std::time::Duration;

use crate::blaster::{Blaster, StepResult};
use crate::subject::Subject;

/// Loss allowed for a step to count as loss-free (percent).
pub(crate) const LOSS_FREE_PCT: f64 = 0.01;

#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) pps_per_leg: f64,
    pub(crate) r: StepResult,
    /// Relay CPU time over the step, as a fraction of one core.
    pub(crate) cpu_frac: f64,
}

impl Step {
    pub(crate) fn loss_free(&self) -> bool {
        self.r.loss_pct <= LOSS_FREE_PCT
    }

    /// Microseconds of relay CPU per delivered packet.
    pub(crate) fn cpu_us_per_packet(&self) -> f64 {
        if self.r.delivered_pps > 0.0 {
            self.cpu_frac * 1e6 / self.r.delivered_pps
        } else {
            0.0
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    pub(crate) name: String,
    pub(crate) steps: Vec<Step>,
    pub(crate) best: Option<Step>,
    pub(crate) half: Option<Step>,
    /// The best step was limited by the generator, not by the relay.
    pub(crate) blaster_bound: bool,
}

impl Outcome {
    pub(crate) fn max_pps(&self) -> f64 {
        self.best.as_ref().map_or(0.0, |s| s.r.delivered_pps)
    }
}

/// Runs one step and measures the relay's CPU over it.
pub(crate) fn step(
    subject: &dyn Subject,
    blaster: &mut Blaster,
    pps_per_leg: f64,
    secs: f64,
) -> Step {
    let c0 = subject.cpu();
    let t0 = std::time::Instant::now();
    let r = blaster.run(pps_per_leg, secs);
    let wall = t0.elapsed().as_secs_f64();
    let cpu = subject.cpu().saturating_sub(c0).as_secs_f64();
    let s = Step {
        pps_per_leg,
        r,
        cpu_frac: cpu / wall.max(1e-3),
    };
    eprintln!(
        "  {:<10} {:>7.0} pps/leg: offered {:>9.0} delivered {:>9.0} loss {:>7.4}% reorder {} p50 {:>7.1} us p99 {:>8.1} us cpu {:>5.1}% ({:.2} us/pkt){}",
        "",
        pps_per_leg,
        s.r.offered_pps,
        s.r.delivered_pps,
        s.r.loss_pct,
        s.r.reordered,
        s.r.lat_p50_us,
        s.r.lat_p99_us,
        100.0 * s.cpu_frac,
        s.cpu_us_per_packet(),
        if s.r.blaster_bound() { " [blaster-bound]" } else { "" }
    );
    s
}

/// Builds a relay with its calls installed and a blaster aimed at it.
pub(crate) type Make<'a> = dyn FnMut() -> anyhow::Result<(Box<dyn Subject>, Blaster)> + 'a;

/// One step on a freshly started relay (so an overloaded step's backlog
/// cannot leak into the next), after a one-second warm-up.
pub(crate) fn fresh_step(make: &mut Make<'_>, pps_per_leg: f64, secs: f64) -> anyhow::Result<Step> {
    let (subject, mut blaster) = make()?;
    let _ = blaster.run(50.0, 1.0);
    let s = step(subject.as_ref(), &mut blaster, pps_per_leg, secs);
    subject.stop()?;
    pause();
    Ok(s)
}

/// Finds the maximum loss-free rate: doubling, then bisection.
pub(crate) fn search(
    name: &str,
    make: &mut Make<'_>,
    secs: f64,
    start_pps: f64,
    max_steps: usize,
) -> anyhow::Result<Outcome> {
    eprintln!("== {name}");
    let mut steps = Vec::new();
    let (mut good, mut bad): (Option<Step>, Option<f64>) = (None, None);
    let mut rate = start_pps;
    while steps.len() < max_steps {
        let s = fresh_step(make, rate, secs)?;
        steps.push(s.clone());
        if s.loss_free() {
            let bound = s.r.blaster_bound();
            good = Some(s);
            if bound {
                break;
            }
            rate *= 2.0;
        } else {
            bad = Some(rate);
            break;
        }
    }
    if let Some(b) = bad {
        let mut lo = good.as_ref().map_or(b / 4.0, |g| g.pps_per_leg);
        let mut hi = b;
        for _ in 0..3 {
            if hi - lo < lo * 0.05 {
                break;
            }
            let mid = (lo + hi) / 2.0;
            let s = fresh_step(make, mid, secs)?;
            steps.push(s.clone());
            if s.loss_free() {
                lo = mid;
                good = Some(s);
            } else {
                hi = mid;
            }
        }
    }
    let blaster_bound =
        good.as_ref().is_some_and(|g| g.r.blaster_bound()) || (bad.is_none() && good.is_some());
    let half = match good.as_ref() {
        Some(g) => {
            eprintln!("  half load:");
            Some(fresh_step(make, g.pps_per_leg / 2.0, secs)?)
        }
        None => None,
    };
    Ok(Outcome {
        name: name.to_string(),
        steps,
        best: good,
        half,
        blaster_bound,
    })
}

pub(crate) struct Report<'a> {
    pub(crate) machine: String,
    pub(crate) rev: String,
    pub(crate) stamp: String,
    pub(crate) flows: usize,
    pub(crate) secs: f64,
    pub(crate) relay_core: usize,
    pub(crate) blast_core: usize,
    pub(crate) backend: &'a str,
    pub(crate) outcomes: Vec<Outcome>,
    pub(crate) direct_half: Option<Step>,
    pub(crate) memory_per_flow: usize,
}

impl Report<'_> {
    fn get(&self, name: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.name == name)
    }

    pub(crate) fn final_line(&self) -> String {
        let pps = |n: &str| self.get(n).map_or(0.0, Outcome::max_pps);
        let (cb, re, mm) = (pps("callbridge"), pps("rtpengine"), pps("recvmmsg"));
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        let loss = self
            .get("callbridge")
            .and_then(|o| o.best.as_ref())
            .map_or(100.0, |s| s.r.loss_pct);
        format!(
            "relay-compare: callbridge_pps={cb:.0} rtpengine_pps={re:.0} recvmmsg_pps={mm:.0} vs_rtpengine={:.2} vs_recvmmsg={:.2} loss={loss:.4}%",
            ratio(cb, re),
            ratio(cb, mm)
        )
    }

    pub(crate) fn markdown(&self) -> String {
        let mut m = String::new();
        let _ = writeln!(m, "# Relay comparison {}\n", self.stamp);
        let _ = writeln!(m, "- machine: {}", self.machine);
        let _ = writeln!(m, "- git revision: {}", self.rev);
        let _ = writeln!(
            m,
            "- setup: {} bridged flows ({} legs), 172-byte PCMU RTP both ways, {} s per step; relay pinned to core {}, blaster to core {}; callbridge backend {}",
            self.flows,
            2 * self.flows,
            self.secs,
            self.relay_core,
            self.blast_core,
            self.backend
        );
        let _ = writeln!(
            m,
            "- loss-free means at most {LOSS_FREE_PCT}% of packets lost over the step\n"
        );
        let _ = writeln!(m, "## Summary\n");
        let _ = writeln!(m, "| relay | max loss-free pps | relay CPU at max | CPU us/packet | pps per core (projected) | p50 / p99 latency at half load (us) | limited by |");
        let _ = writeln!(m, "|---|---:|---:|---:|---:|---:|---|");
        for o in &self.outcomes {
            let (cpu, us, proj) = o.best.as_ref().map_or((0.0, 0.0, 0.0), |b| {
                (
                    100.0 * b.cpu_frac,
                    b.cpu_us_per_packet(),
                    if b.cpu_frac > 0.0 {
                        b.r.delivered_pps / b.cpu_frac
                    } else {
                        0.0
                    },
                )
            });
            let lat = o.half.as_ref().map_or("-".into(), |h| {
                format!("{:.1} / {:.1}", h.r.lat_p50_us, h.r.lat_p99_us)
            });
            let _ = writeln!(
                m,
                "| {} | {:.0} | {cpu:.1}% | {us:.2} | {proj:.0} | {lat} | {} |",
                o.name,
                o.max_pps(),
                if o.blaster_bound {
                    "the blaster (generator core)"
                } else {
                    "the relay (loss)"
                }
            );
        }
        if let Some(d) = &self.direct_half {
            let _ = writeln!(
                m,
                "| direct (no relay) | - | - | - | - | {:.1} / {:.1} | - |",
                d.r.lat_p50_us, d.r.lat_p99_us
            );
            if let Some(h) = self.get("callbridge").and_then(|o| o.half.as_ref()) {
                let _ = writeln!(
                    m,
                    "\nAdded latency through callbridge at half of its max load: p50 {:.1} us, p99 {:.1} us (through-relay minus direct, same rate).",
                    h.r.lat_p50_us - d.r.lat_p50_us,
                    h.r.lat_p99_us - d.r.lat_p99_us
                );
            }
        }
        let _ = writeln!(m, "\ncallbridge relay memory per bridged flow (tables, counters, socket slots): {} bytes; receive buffers and rings are per shard.", self.memory_per_flow);
        let _ = writeln!(m, "\n## Steps\n");
        for o in &self.outcomes {
            let _ = writeln!(m, "### {}\n", o.name);
            let _ = writeln!(m, "| pps/leg | target pps | offered pps | delivered pps | sent | received | loss % | reordered | p50 us | p99 us | p99.9 us | max us | relay CPU % | CPU us/pkt |");
            let _ = writeln!(
                m,
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            for s in o.steps.iter().chain(o.half.iter()) {
                let _ = writeln!(
                    m,
                    "| {:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {:.4} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} |",
                    s.pps_per_leg,
                    s.r.target_pps,
                    s.r.offered_pps,
                    s.r.delivered_pps,
                    s.r.sent,
                    s.r.received,
                    s.r.loss_pct,
                    s.r.reordered,
                    s.r.lat_p50_us,
                    s.r.lat_p99_us,
                    s.r.lat_p999_us,
                    s.r.lat_max_us,
                    100.0 * s.cpu_frac,
                    s.cpu_us_per_packet()
                );
            }
            let _ = writeln!(m);
        }
        let _ = writeln!(
            m,
            "Reproduce: `loadtest/compare-relays --seconds {}`\n\n```\n{}\n```",
            self.secs,
            self.final_line()
        );
        m
    }
}

pub(crate) fn pause() {
    std::thread::sleep(Duration::from_millis(300));
}
