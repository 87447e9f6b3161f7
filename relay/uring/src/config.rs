//! Runtime configuration of the relay.

use std::net::IpAddr;
use std::time::Duration;

use relay_ctl::PortRange;

/// Which I/O backend the shards use.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// io_uring if the kernel offers what we need, else epoll (logged).
    #[default]
    Auto,
    Uring,
    Epoll,
}

/// The backend a relay actually runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Uring,
    Epoll,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uring => "io_uring",
            Self::Epoll => "epoll",
        }
    }
}

#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// Number of shards (threads).
    pub shards: usize,
    /// Core to pin each shard to (`cores[i]` for shard i); empty = no pinning.
    pub cores: Vec<usize>,
    /// Media port range, cut into one slice per shard.
    pub port_range: PortRange,
    /// Address the media sockets bind to.
    pub bind_addr: IpAddr,
    pub backend: BackendChoice,
    /// Capacity of each shard's command queue (events: 4x).
    pub queue_capacity: usize,
    /// io_uring submission queue entries.
    pub ring_entries: u32,
    /// Receive buffers per shard (power of two, for the provided-buffer ring).
    pub buffers: u16,
    /// Size of each receive buffer (largest datagram accepted).
    pub buffer_size: u32,
    /// Kernel socket receive/send buffer per media socket.
    pub socket_buffer: usize,
    /// How often the shard runs its timers (media timeout checks).
    pub tick: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            shards: 1,
            cores: Vec::new(),
            port_range: PortRange::new(20000, 30000),
            bind_addr: IpAddr::from([127, 0, 0, 1]),
            backend: BackendChoice::Auto,
            queue_capacity: 4096,
            ring_entries: 4096,
            buffers: 4096,
            buffer_size: 2048,
            socket_buffer: 1 << 20,
            tick: Duration::from_millis(100),
        }
    }
}
