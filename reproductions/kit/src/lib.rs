//! `repro-kit`: what every reproduction crate shares.
//!
//! A reproduction crate implements [`Reproduction`] for one paper: it reads its typed
//! hyperparameters from a variant table of the pinned TOML config, builds the paper's model on
//! candle, trains it for one run (one seed, one dataset) and returns a [`RunOutput`].
//! The kit has no dependency on the harness: it gives the trait and its context types, seeded
//! randomness ([`rng`]), PyTorch/Keras-style initialisers ([`init`]), small layers ([`nn`]),
//! batching and training-loop helpers ([`train`]), dataset readers ([`data`]), metrics
//! ([`metrics`]) and pruning ([`prune`]: masks, iterative magnitude pruning with rewinding, CSR
//! inference kernels).
//!
//! candle's CPU RNG cannot be seeded, so nothing here calls `Tensor::rand*` or candle-nn's
//! default initialisers: every random number comes from a `rand_chacha` generator derived from
//! the run's seed (see [`rng::stream`]).

pub mod data;
pub mod denormal;
pub mod env;
pub mod error;
pub mod fit;
pub mod init;
pub mod loss;
pub mod metrics;
pub mod nn;
pub mod optim;
pub mod output;
pub mod prune;
pub mod reproduction;
pub mod rng;
pub mod simd;

pub use error::{KitError, Result};
pub use output::RunOutputBuilder;
pub use reproduction::{
    checked_hyperparameters, hyperparameters, Curve, DivergenceReason, NoProgress, Paper, Progress,
    Reproduction, ResolvedDataset, RunContext, RunOutput, RunStatus, Validate,
};

/// Re-exported for [`reproduction!`]'s expansion in paper crates.
pub use toml;

/// Hex SHA-256 of the kit's sources and numerical dependency versions (see
/// `repro_source_hash::source_hash`), compiled in by the kit's `build.rs`.
pub const KIT_SOURCE_HASH: &str = env!("REPRO_SOURCE_HASH");

/// The kit's crate version.
pub const KIT_VERSION: &str = env!("CARGO_PKG_VERSION");
