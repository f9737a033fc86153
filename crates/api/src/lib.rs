//! govchain-api
