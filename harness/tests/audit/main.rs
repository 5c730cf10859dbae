//! Tests of the `harness audit` / `harness stats` front ends (`harness::audit`), moved here from
//! the statistics crate with the code they exercise: CLI logic, input sanity, robustness of the
//! JSON front door and the fuzz layer. One test binary (one link of the harness).

mod cli;
mod fuzz;
mod hostile;
mod input;
mod robustness;
