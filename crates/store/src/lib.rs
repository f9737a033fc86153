//! govchain-store
