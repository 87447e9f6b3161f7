//! The media sockets of one shard, indexed by port offset in its slice.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};

use relay_ctl::PortRange;
use socket2::{Domain, Protocol, Socket, Type};

struct Slot {
    sock: Option<Socket>,
    /// Bumped on every open, so completions of an old socket are recognised.
    gen: u32,
}

pub(crate) struct SocketTable {
    slice: PortRange,
    bind_ip: IpAddr,
    buffer: usize,
    slots: Vec<Slot>,
}

impl SocketTable {
    pub(crate) fn new(slice: PortRange, bind_ip: IpAddr, buffer: usize) -> Self {
        Self {
            slice,
            bind_ip,
            buffer,
            slots: (0..slice.len())
                .map(|_| Slot { sock: None, gen: 0 })
                .collect(),
        }
    }

    fn index(&self, port: u16) -> Option<usize> {
        self.slice
            .contains(port)
            .then(|| usize::from(port - self.slice.start))
    }

    /// Binds a UDP socket on `port`; returns its descriptor and generation.
    pub(crate) fn open(&mut self, port: u16, dscp: u8) -> io::Result<(RawFd, u32)> {
        let i = self
            .index(port)
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
        let addr = SocketAddr::new(self.bind_ip, port);
        let sock = Socket::new(
            Domain::for_address(addr),
            Type::DGRAM.nonblocking().cloexec(),
            Some(Protocol::UDP),
        )?;
        if addr.is_ipv6() {
            sock.set_only_v6(true)?;
        }
        // Buffer sizes are advice: a smaller system maximum is not fatal.
        let _ = sock.set_recv_buffer_size(self.buffer);
        let _ = sock.set_send_buffer_size(self.buffer);
        if dscp != 0 {
            let tos = u32::from(dscp) << 2;
            let _ = if addr.is_ipv6() {
                sock.set_tclass_v6(tos)
            } else {
                sock.set_tos(tos)
            };
        }
        sock.bind(&addr.into())?;
        let fd = sock.as_raw_fd();
        let slot = &mut self.slots[i];
        slot.gen = slot.gen.wrapping_add(1) & 0x00ff_ffff;
        slot.sock = Some(sock);
        Ok((fd, slot.gen))
    }

    /// Takes the socket on `port` out of the table (the caller closes it).
    pub(crate) fn close(&mut self, port: u16) -> Option<(Socket, u32)> {
        let i = self.index(port)?;
        let slot = &mut self.slots[i];
        slot.sock.take().map(|s| (s, slot.gen))
    }

    #[inline]
    pub(crate) fn fd(&self, port: u16) -> Option<RawFd> {
        let i = self.index(port)?;
        self.slots[i].sock.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// Descriptor of `port` if its socket is still the generation `gen`.
    #[inline]
    pub(crate) fn fd_if_gen(&self, port: u16, gen: u32) -> Option<RawFd> {
        let i = self.index(port)?;
        let slot = &self.slots[i];
        if slot.gen == gen {
            slot.sock.as_ref().map(AsRawFd::as_raw_fd)
        } else {
            None
        }
    }
}
