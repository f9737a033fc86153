//! govchain-execution
