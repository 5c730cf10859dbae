//! numpy's recorded draws, replayed in order to a port of the authors' generator (shared by
//! `toy_colors_reference.rs` and `decoy_mnist_reference.rs`, which implement their port's
//! `Draws` trait on [`Replay`]).

/// The draws of a reference file (`[kind, value]` pairs), handed out in order; asking for a
/// kind other than the one numpy drew next, or for more draws than it made, fails the test.
pub struct Replay {
    draws: std::vec::IntoIter<(String, f64)>,
    /// Draws handed out so far.
    pub taken: usize,
}

impl Replay {
    /// A replay of `draws`, from the first.
    pub fn new(draws: Vec<(String, f64)>) -> Self {
        Replay {
            draws: draws.into_iter(),
            taken: 0,
        }
    }

    /// The next draw's value, which must be of `kind`.
    pub fn next(&mut self, kind: &str) -> f64 {
        let (k, v) = self.draws.next().unwrap_or_else(|| {
            panic!("the port asked for a {kind} after all {} draws", self.taken)
        });
        assert_eq!(
            k, kind,
            "draw {}: the port asked for a {kind}, numpy drew a {k}",
            self.taken
        );
        self.taken += 1;
        v
    }
}
