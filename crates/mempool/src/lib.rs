//! govchain-mempool
