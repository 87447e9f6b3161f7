//! Conversions between `std::net::SocketAddr` and the kernel's sockaddr
//! structures, without allocation (used per packet).

use std::mem::size_of;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Room for either address family.
pub(crate) const NAME_LEN: usize = size_of::<libc::sockaddr_in6>();

/// Storage for one socket address, as the kernel reads or writes it.
#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) union RawAddr {
    pub(crate) v4: libc::sockaddr_in,
    pub(crate) v6: libc::sockaddr_in6,
}

impl RawAddr {
    pub(crate) fn zeroed() -> Self {
        // SAFETY: both members are plain C structs for which all-zero bytes are valid.
        unsafe { std::mem::zeroed() }
    }

    /// Writes `addr`, returning the length to pass as `msg_namelen`.
    #[inline]
    pub(crate) fn write(&mut self, addr: SocketAddr) -> libc::socklen_t {
        match addr {
            SocketAddr::V4(a) => {
                self.v4 = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                size_of::<libc::sockaddr_in>() as libc::socklen_t
            }
            SocketAddr::V6(a) => {
                self.v6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                size_of::<libc::sockaddr_in6>() as libc::socklen_t
            }
        }
    }
}

/// Reads a socket address the kernel wrote into `name` (first `len` bytes).
#[inline]
pub(crate) fn parse(name: &[u8]) -> Option<SocketAddr> {
    if name.len() < 2 {
        return None;
    }
    let family = u16::from_ne_bytes([name[0], name[1]]);
    if i32::from(family) == libc::AF_INET && name.len() >= size_of::<libc::sockaddr_in>() {
        let port = u16::from_be_bytes([name[2], name[3]]);
        let ip = Ipv4Addr::new(name[4], name[5], name[6], name[7]);
        Some(SocketAddr::V4(SocketAddrV4::new(ip, port)))
    } else if i32::from(family) == libc::AF_INET6 && name.len() >= size_of::<libc::sockaddr_in6>() {
        let port = u16::from_be_bytes([name[2], name[3]]);
        let flow = u32::from_ne_bytes([name[4], name[5], name[6], name[7]]);
        let mut ip = [0u8; 16];
        ip.copy_from_slice(&name[8..24]);
        let scope = u32::from_ne_bytes([name[24], name[25], name[26], name[27]]);
        Some(SocketAddr::V6(SocketAddrV6::new(
            Ipv6Addr::from(ip),
            port,
            flow,
            scope,
        )))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(a: SocketAddr) {
        let mut raw = RawAddr::zeroed();
        let len = raw.write(a) as usize;
        // SAFETY: RawAddr is plain bytes of at least NAME_LEN.
        let bytes =
            unsafe { std::slice::from_raw_parts((&raw as *const RawAddr).cast::<u8>(), len) };
        assert_eq!(parse(bytes), Some(a));
    }

    #[test]
    fn v4_and_v6_roundtrip() {
        roundtrip("127.0.0.1:4000".parse().unwrap());
        roundtrip("[::1]:5004".parse().unwrap());
        roundtrip("[2001:db8::7]:65535".parse().unwrap());
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&[9, 9, 0, 0]), None);
    }
}
