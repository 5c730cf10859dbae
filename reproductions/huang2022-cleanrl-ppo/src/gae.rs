//! Generalised advantage estimation (Schulman et al. 2016) exactly as CleanRL's `ppo.py`
//! computes it (vwxyzjn/cleanrl@b63315b9 lines 218–232, the `args.gae` branch; the same code
//! is in openai/baselines `ppo2/runner.py` lines 56–65).
//!
//! Storage is time-major `[num_steps, num_envs]`, row `t` holding the step taken from
//! observation `t`. `dones[t]` says whether observation `t` is the first of a new episode
//! (the previous step ended one: terminated **or** truncated, as `ppo.py` treats both); the
//! value after the last step is `next_value` with `next_done`.

/// Advantages and returns (`returns = advantages + values`), each `[num_steps · num_envs]`
/// time-major, from `rewards`, `values`, `dones` `[num_steps · num_envs]` and the bootstrap
/// `next_value`, `next_done` `[num_envs]`. f32 arithmetic, as the PyTorch tensors:
///
/// ```text
/// for t in reversed(range(num_steps)):
///     nextnonterminal = 1 - (next_done if t == num_steps-1 else dones[t+1])
///     nextvalues      = next_value if t == num_steps-1 else values[t+1]
///     delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
///     advantages[t] = lastgaelam = delta + gamma * lambda * nextnonterminal * lastgaelam
/// ```
///
/// # Errors
/// A message naming the inconsistent length.
#[allow(clippy::too_many_arguments)]
pub fn gae(
    rewards: &[f32],
    values: &[f32],
    dones: &[f32],
    next_value: &[f32],
    next_done: &[f32],
    num_envs: usize,
    gamma: f32,
    lambda: f32,
) -> Result<(Vec<f32>, Vec<f32>), String> {
    let n = rewards.len();
    if num_envs == 0 || !n.is_multiple_of(num_envs) || values.len() != n || dones.len() != n {
        return Err(format!(
            "gae: rewards {n}, values {}, dones {} must be equal multiples of num_envs {num_envs}",
            values.len(),
            dones.len()
        ));
    }
    if next_value.len() != num_envs || next_done.len() != num_envs {
        return Err(format!(
            "gae: next_value {} and next_done {} must have num_envs = {num_envs} entries",
            next_value.len(),
            next_done.len()
        ));
    }
    let steps = n / num_envs;
    let mut adv = vec![0f32; n];
    let mut lastgaelam = vec![0f32; num_envs];
    for t in (0..steps).rev() {
        for e in 0..num_envs {
            let i = t * num_envs + e;
            let (nextnonterminal, nextvalues) = if t + 1 == steps {
                (1.0 - next_done[e], next_value[e])
            } else {
                (1.0 - dones[i + num_envs], values[i + num_envs])
            };
            let delta = rewards[i] + gamma * nextvalues * nextnonterminal - values[i];
            lastgaelam[e] = delta + gamma * lambda * nextnonterminal * lastgaelam[e];
            adv[i] = lastgaelam[e];
        }
    }
    let returns = adv.iter().zip(values).map(|(a, v)| a + v).collect();
    Ok((adv, returns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_two_steps_two_envs() {
        // env 0: no episode boundary; env 1: its episode ends after step 0 (dones[1] = 1 at
        // t = 1), so step 0 does not bootstrap from values[1].
        let gamma = 0.5f32;
        let lambda = 0.5f32;
        let rewards = [1.0, 2.0, 3.0, 4.0]; // [t0e0, t0e1, t1e0, t1e1]
        let values = [0.5, 1.0, 1.5, 2.0];
        let dones = [0.0, 0.0, 0.0, 1.0];
        let next_value = [10.0, 20.0];
        let next_done = [0.0, 1.0];
        let (adv, ret) = gae(
            &rewards,
            &values,
            &dones,
            &next_value,
            &next_done,
            2,
            gamma,
            lambda,
        )
        .unwrap();
        // t = 1: env 0: delta = 3 + 0.5·10 − 1.5 = 6.5 → A = 6.5
        //        env 1: next_done = 1 → delta = 4 − 2 = 2 → A = 2
        // t = 0: env 0: delta = 1 + 0.5·1.5 − 0.5 = 1.25 → A = 1.25 + 0.25·6.5 = 2.875
        //        env 1: dones[t=1] = 1 → delta = 2 − 1 = 1 → A = 1
        assert_eq!(adv, vec![2.875, 1.0, 6.5, 2.0]);
        assert_eq!(ret, vec![3.375, 2.0, 8.0, 4.0]);
    }

    #[test]
    fn lambda_one_gives_discounted_returns_minus_values() {
        let (adv, ret) = gae(
            &[1.0, 1.0, 1.0],
            &[0.3, 0.2, 0.1],
            &[0.0; 3],
            &[0.0],
            &[1.0],
            1,
            0.9,
            1.0,
        )
        .unwrap();
        let want = [1.0 + 0.9 + 0.81, 1.0 + 0.9, 1.0];
        for t in 0..3 {
            assert!((ret[t] - want[t]).abs() < 1e-6);
            assert!((adv[t] - (want[t] - [0.3, 0.2, 0.1][t])).abs() < 1e-6);
        }
    }

    #[test]
    fn inconsistent_lengths_are_errors() {
        assert!(gae(&[1.0; 3], &[0.0; 3], &[0.0; 3], &[0.0; 2], &[0.0; 2], 2, 0.9, 0.9).is_err());
        assert!(gae(&[1.0; 4], &[0.0; 4], &[0.0; 4], &[0.0; 1], &[0.0; 2], 2, 0.9, 0.9).is_err());
    }
}
