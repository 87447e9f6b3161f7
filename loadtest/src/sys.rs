//! Clocks, CPU accounting and pinning for the load tools.

use std::time::Duration;

/// CLOCK_MONOTONIC in nanoseconds (what the blaster stamps into payloads).
#[inline]
pub(crate) fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes into a live timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

pub(crate) fn pin(core: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        core < libc::CPU_SETSIZE as usize,
        "core {core} out of range"
    );
    // SAFETY: cpu_set_t is plain data and core < CPU_SETSIZE was checked.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set)
    };
    anyhow::ensure!(
        rc == 0,
        "sched_setaffinity({core}): {}",
        std::io::Error::last_os_error()
    );
    Ok(())
}

pub(crate) fn gettid() -> i32 {
    // SAFETY: no preconditions.
    unsafe { libc::gettid() }
}

/// utime + stime of a /proc stat file (resolution: one clock tick, 10 ms).
fn stat_cpu(path: &str) -> Option<Duration> {
    let s = std::fs::read_to_string(path).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

/// CPU time of one thread of this process.
pub(crate) fn thread_cpu(tid: i32) -> Duration {
    stat_cpu(&format!("/proc/self/task/{tid}/stat")).unwrap_or_default()
}

/// CPU time of a whole process (all its threads).
pub(crate) fn process_cpu(pid: u32) -> Duration {
    stat_cpu(&format!("/proc/{pid}/stat")).unwrap_or_default()
}

/// One line describing the machine, for reports.
pub(crate) fn machine_line() -> String {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown cpu".into());
    // Not available_parallelism(): the blaster has pinned itself to one core by now.
    let cores = std::fs::read_to_string("/proc/cpuinfo").map_or(0, |s| {
        s.lines().filter(|l| l.starts_with("processor")).count()
    });
    format!("Linux {} | {cpu} | {cores} cores", kernel.trim())
}
