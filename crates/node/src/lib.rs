//! govchain-node
