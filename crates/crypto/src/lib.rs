//! govchain-crypto
