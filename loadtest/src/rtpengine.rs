//! rtpengine (Debian `rtpengine-daemon`, userspace forwarding) driven
//! through its NG control protocol: bencoded dictionaries over UDP behind a
//! cookie. It runs as a child process pinned with `taskset` to the relay core.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::blaster::Blaster;
use crate::subject::Subject;
use crate::sys::process_cpu;

const NG: &str = "127.0.0.1:22232";

/// A bencode value (only what NG uses).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ben {
    Int(i64),
    Str(Vec<u8>),
    List(Vec<Self>),
    Dict(Vec<(Vec<u8>, Self)>),
}

impl Ben {
    pub(crate) fn s(v: &str) -> Self {
        Self::Str(v.as_bytes().to_vec())
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Int(i) => out.extend_from_slice(format!("i{i}e").as_bytes()),
            Self::Str(s) => {
                out.extend_from_slice(format!("{}:", s.len()).as_bytes());
                out.extend_from_slice(s);
            }
            Self::List(l) => {
                out.push(b'l');
                l.iter().for_each(|v| v.encode(out));
                out.push(b'e');
            }
            Self::Dict(d) => {
                let mut d = d.clone();
                d.sort_by(|a, b| a.0.cmp(&b.0));
                out.push(b'd');
                for (k, v) in &d {
                    Self::Str(k.clone()).encode(out);
                    v.encode(out);
                }
                out.push(b'e');
            }
        }
    }

    pub(crate) fn decode(b: &[u8]) -> Option<(Self, &[u8])> {
        match b.first()? {
            b'i' => {
                let end = b.iter().position(|&c| c == b'e')?;
                Some((
                    Self::Int(std::str::from_utf8(&b[1..end]).ok()?.parse().ok()?),
                    &b[end + 1..],
                ))
            }
            b'l' => {
                let mut rest = &b[1..];
                let mut v = Vec::new();
                while rest.first()? != &b'e' {
                    let (x, r) = Self::decode(rest)?;
                    v.push(x);
                    rest = r;
                }
                Some((Self::List(v), &rest[1..]))
            }
            b'd' => {
                let mut rest = &b[1..];
                let mut v = Vec::new();
                while rest.first()? != &b'e' {
                    let (Self::Str(k), r) = Self::decode(rest)? else {
                        return None;
                    };
                    let (x, r) = Self::decode(r)?;
                    v.push((k, x));
                    rest = r;
                }
                Some((Self::Dict(v), &rest[1..]))
            }
            b'0'..=b'9' => {
                let colon = b.iter().position(|&c| c == b':')?;
                let n: usize = std::str::from_utf8(&b[..colon]).ok()?.parse().ok()?;
                let s = b.get(colon + 1..colon + 1 + n)?;
                Some((Self::Str(s.to_vec()), &b[colon + 1 + n..]))
            }
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Self::Dict(d) => d.iter().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => std::str::from_utf8(s).ok(),
            _ => None,
        }
    }
}

fn dict(items: Vec<(&str, Ben)>) -> Ben {
    Ben::Dict(
        items
            .into_iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v))
            .collect(),
    )
}

struct Ng {
    sock: UdpSocket,
    seq: u64,
}

impl Ng {
    fn new() -> anyhow::Result<Self> {
        let sock = UdpSocket::bind("127.0.0.1:0")?;
        sock.set_read_timeout(Some(Duration::from_secs(2)))?;
        Ok(Self { sock, seq: 0 })
    }

    fn call(&mut self, cmd: &Ben) -> anyhow::Result<Ben> {
        self.seq += 1;
        let cookie = format!("cb{}_{}", std::process::id(), self.seq);
        let mut msg = format!("{cookie} ").into_bytes();
        cmd.encode(&mut msg);
        self.sock.send_to(&msg, NG)?;
        let mut buf = vec![0u8; 65536];
        loop {
            let n = self
                .sock
                .recv(&mut buf)
                .context("no answer from rtpengine's NG port")?;
            let reply = &buf[..n];
            let sp = reply
                .iter()
                .position(|&c| c == b' ')
                .context("NG reply without cookie")?;
            if &reply[..sp] != cookie.as_bytes() {
                continue; // a late answer to an earlier request
            }
            let (v, _) = Ben::decode(&reply[sp + 1..]).context("NG reply is not bencode")?;
            return Ok(v);
        }
    }
}

fn sdp(addr: SocketAddr, sess: usize) -> String {
    format!(
        "v=0\r\no=- {sess} 1 IN IP4 {ip}\r\ns=bench\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=ptime:20\r\n",
        ip = addr.ip(),
        port = addr.port()
    )
}

fn media_port(reply: &Ben) -> anyhow::Result<u16> {
    if reply.get("result").and_then(Ben::as_str) != Some("ok") {
        bail!(
            "rtpengine refused: {:?}",
            reply.get("error-reason").and_then(Ben::as_str)
        );
    }
    let sdp = reply
        .get("sdp")
        .and_then(Ben::as_str)
        .context("reply without SDP")?;
    let line = sdp
        .lines()
        .find(|l| l.starts_with("m=audio "))
        .context("SDP without m=audio")?;
    Ok(line.split_whitespace().nth(1).context("m= line")?.parse()?)
}

pub(crate) struct Rtpengine {
    child: Child,
    ng: Ng,
    calls: usize,
}

impl Rtpengine {
    pub(crate) fn start(core: usize, conf: PathBuf) -> anyhow::Result<Self> {
        let _ = std::fs::create_dir_all("/tmp/callbridge-rtpengine/spool");
        let bin = which("rtpengine")
            .context("rtpengine is not installed (apt-get install -y rtpengine-daemon)")?;
        let child = Command::new("taskset")
            .arg("-c")
            .arg(core.to_string())
            .arg(bin)
            .arg(format!("--config-file={}", conf.display()))
            .arg("--config-section=rtpengine")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting rtpengine under taskset")?;
        let mut me = Self {
            child,
            ng: Ng::new()?,
            calls: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(st)) = me.child.try_wait() {
                bail!("rtpengine exited at start: {st}");
            }
            if let Ok(r) = me.ng.call(&dict(vec![("command", Ben::s("ping"))])) {
                if r.get("result").and_then(Ben::as_str) == Some("pong") {
                    return Ok(me);
                }
            }
            if Instant::now() > deadline {
                bail!("rtpengine did not answer NG ping on {NG} within 10 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join(bin))
        .find(|p| p.exists())
}

impl Subject for Rtpengine {
    fn name(&self) -> &'static str {
        "rtpengine"
    }

    fn setup(&mut self, b: &Blaster) -> anyhow::Result<Vec<(SocketAddr, SocketAddr)>> {
        let mut dsts = Vec::with_capacity(b.flows());
        let flags = || {
            vec![
                ("ICE", Ben::s("remove")),
                ("flags", Ben::List(vec![Ben::s("trust-address")])),
                (
                    "replace",
                    Ben::List(vec![Ben::s("origin"), Ben::s("session-connection")]),
                ),
            ]
        };
        for f in 0..b.flows() {
            let cid = format!("cb-bench-{f}");
            let mut offer = vec![
                ("command", Ben::s("offer")),
                ("call-id", Ben::s(&cid)),
                ("from-tag", Ben::s("A")),
                ("sdp", Ben::s(&sdp(b.addr(f, 0), 2 * f))),
            ];
            offer.extend(flags());
            let to_b = media_port(&self.ng.call(&dict(offer))?)?;
            let mut answer = vec![
                ("command", Ben::s("answer")),
                ("call-id", Ben::s(&cid)),
                ("from-tag", Ben::s("A")),
                ("to-tag", Ben::s("B")),
                ("sdp", Ben::s(&sdp(b.addr(f, 1), 2 * f + 1))),
            ];
            answer.extend(flags());
            let to_a = media_port(&self.ng.call(&dict(answer))?)?;
            self.calls += 1;
            dsts.push((
                SocketAddr::from(([127, 0, 0, 1], to_a)),
                SocketAddr::from(([127, 0, 0, 1], to_b)),
            ));
        }
        Ok(dsts)
    }

    fn cpu(&self) -> Duration {
        process_cpu(self.child.id())
    }

    fn stop(mut self: Box<Self>) -> anyhow::Result<()> {
        for f in 0..self.calls {
            let _ = self.ng.call(&dict(vec![
                ("command", Ben::s("delete")),
                ("call-id", Ben::s(&format!("cb-bench-{f}"))),
                ("from-tag", Ben::s("A")),
            ]));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        Ok(())
    }
}

impl Drop for Rtpengine {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bencode_roundtrip() {
        let v = dict(vec![
            ("command", Ben::s("ping")),
            ("n", Ben::Int(-3)),
            ("l", Ben::List(vec![Ben::s("a")])),
        ]);
        let mut out = Vec::new();
        v.encode(&mut out);
        assert_eq!(out, b"d7:command4:ping1:ll1:ae1:ni-3ee".to_vec());
        let (back, rest) = Ben::decode(&out).unwrap();
        assert!(rest.is_empty());
        assert_eq!(back.get("command").and_then(Ben::as_str), Some("ping"));
        assert_eq!(back.get("n"), Some(&Ben::Int(-3)));
        assert!(Ben::decode(b"d3:abc").is_none());
    }
}
