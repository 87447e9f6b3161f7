//! The per-shard link: a bounded command queue in, a bounded event queue
//! out, the shard's counters, and the control side's port allocator.
//!
//! Both queues are lock-free (`crossbeam_queue::ArrayQueue`); a full
//! command queue is an error returned to the caller, never a block, and a
//! full event queue is counted in `events_lost`.

use std::sync::Arc;

use crossbeam_queue::ArrayQueue;

use crate::{
    Command, Event, LegId, LegSpec, PortAllocator, PortError, PortRange, ShardCounters, ShardId,
};

/// Wakes the other side of a mailbox (an eventfd for a shard, a notifier for signaling).
pub trait Wake: Send + Sync + 'static {
    fn wake(&self);
}

/// A waker that does nothing (the reader polls).
#[derive(Debug, Default)]
pub struct NoWake;

impl Wake for NoWake {
    fn wake(&self) {}
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("shard command queue is full")]
    Full(Box<Command>),
    #[error(transparent)]
    Ports(#[from] PortError),
}

/// What one shard and its controller share.
pub struct Mailbox {
    shard: ShardId,
    slice: PortRange,
    commands: ArrayQueue<Command>,
    events: ArrayQueue<Event>,
    counters: ShardCounters,
    event_waker: Arc<dyn Wake>,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("shard", &self.shard)
            .field("slice", &self.slice)
            .finish()
    }
}

impl Mailbox {
    pub fn new(
        shard: ShardId,
        slice: PortRange,
        capacity: usize,
        event_waker: Arc<dyn Wake>,
    ) -> Self {
        Self {
            shard,
            slice,
            commands: ArrayQueue::new(capacity.max(1)),
            events: ArrayQueue::new(capacity.max(1) * 4),
            counters: ShardCounters::new(slice.len()),
            event_waker,
        }
    }

    pub fn shard(&self) -> ShardId {
        self.shard
    }

    pub fn slice(&self) -> PortRange {
        self.slice
    }

    pub fn counters(&self) -> &ShardCounters {
        &self.counters
    }

    /// Shard side: next command, if any.
    pub fn take_command(&self) -> Option<Command> {
        self.commands.pop()
    }

    /// Shard side: queue an event; counted as lost if signaling is not keeping up.
    pub fn push_event(&self, ev: Event) {
        if self.events.push(ev).is_err() {
            self.counters.events_lost.incr();
        }
    }

    /// Controller side: next event (what [`ShardHandle::poll_event`] reads).
    pub fn pop_event(&self) -> Option<Event> {
        self.events.pop()
    }

    /// Shard side: tell signaling that events are waiting.
    pub fn wake_controller(&self) {
        self.event_waker.wake();
    }
}

/// The controller's end of one shard: send commands, read events, allocate legs.
pub struct ShardHandle {
    mailbox: Arc<Mailbox>,
    shard_waker: Arc<dyn Wake>,
    ports: PortAllocator,
}

impl std::fmt::Debug for ShardHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardHandle")
            .field("mailbox", &self.mailbox)
            .field("ports", &self.ports)
            .finish()
    }
}

impl ShardHandle {
    pub fn new(mailbox: Arc<Mailbox>, shard_waker: Arc<dyn Wake>) -> Self {
        let ports = PortAllocator::new(mailbox.slice());
        Self {
            mailbox,
            shard_waker,
            ports,
        }
    }

    pub fn shard(&self) -> ShardId {
        self.mailbox.shard()
    }

    pub fn counters(&self) -> &ShardCounters {
        self.mailbox.counters()
    }

    pub fn ports(&self) -> &PortAllocator {
        &self.ports
    }

    /// Queues a command and wakes the shard. Never blocks.
    pub fn send(&self, cmd: Command) -> Result<(), SendError> {
        self.mailbox
            .commands
            .push(cmd)
            .map_err(|c| SendError::Full(Box::new(c)))?;
        self.shard_waker.wake();
        Ok(())
    }

    /// Next event from the shard, if any.
    pub fn poll_event(&self) -> Option<Event> {
        self.mailbox.pop_event()
    }

    /// Allocates ports for `spec` (its `local_port` is filled in) and installs the leg.
    pub fn add_leg(&mut self, mut spec: LegSpec) -> Result<(LegId, u16), SendError> {
        let (leg, port) = self.ports.allocate(spec.rtcp_mux)?;
        spec.local_port = port;
        if let Err(e) = self.send(Command::AddLeg { leg, spec }) {
            // The leg never reached the shard: its ports are free again.
            let _ = self.ports.release(leg);
            return Err(e);
        }
        Ok((leg, port))
    }

    /// Removes the leg and frees its ports. The shard closes the socket
    /// before it sees any later command, so the ports may be reused at once.
    pub fn remove_leg(&mut self, leg: LegId) -> Result<(), SendError> {
        if self.ports.port_of(leg).is_none() {
            return Err(PortError::NotAllocated(leg).into());
        }
        self.send(Command::RemoveLeg { leg })?;
        self.ports.release(leg)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct CountWake(AtomicUsize);
    impl Wake for CountWake {
        fn wake(&self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn full_queue_is_an_error_and_frees_ports() {
        let mb = Arc::new(Mailbox::new(
            ShardId(0),
            PortRange::new(10000, 10010),
            1,
            Arc::new(NoWake),
        ));
        let w = Arc::new(CountWake::default());
        let mut h = ShardHandle::new(mb.clone(), w.clone());
        h.add_leg(LegSpec::new(0)).unwrap();
        assert_eq!(h.ports().in_use(), 2);
        assert!(matches!(
            h.add_leg(LegSpec::new(0)),
            Err(SendError::Full(_))
        ));
        assert_eq!(h.ports().in_use(), 2, "ports of a refused leg are released");
        assert_eq!(w.0.load(Ordering::Relaxed), 1);
        assert!(matches!(mb.take_command(), Some(Command::AddLeg { .. })));
    }

    #[test]
    fn lost_events_are_counted() {
        let mb = Mailbox::new(
            ShardId(0),
            PortRange::new(10000, 10010),
            1,
            Arc::new(NoWake),
        );
        for _ in 0..10 {
            mb.push_event(Event::Stopped);
        }
        assert_eq!(mb.counters().events_lost.get(), 6);
    }
}
