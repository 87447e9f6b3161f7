//! Packet views over byte slices (filled in by the wire work).
