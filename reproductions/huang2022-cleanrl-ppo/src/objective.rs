//! The PPO loss of CleanRL's `ppo.py` (vwxyzjn/cleanrl@b63315b9 lines 262–297): normalised
//! advantages, the clipped surrogate objective, the clipped value loss and the entropy bonus,
//! `loss = pg_loss − ent_coef · entropy + vf_coef · v_loss`.

use crate::agent::Agent;
use candle_core::{Tensor, D};
use repro_kit::nn::expect_shape;
use repro_kit::Result;

/// `(a − mean(a)) / (std(a) + 1e-8)` with the unbiased standard deviation (`torch.std`),
/// over a minibatch `a` [batch] (`ppo.py` line 274, `norm_adv`).
pub fn normalize_advantages(a: &Tensor) -> Result<Tensor> {
    let n = a.dim(0)?;
    let mean = a.mean_all()?;
    let centred = a.broadcast_sub(&mean)?;
    let var = (centred.sqr()?.sum_all()? / (n as f64 - 1.0))?;
    Ok(centred.broadcast_div(&(var.sqrt()? + 1e-8)?)?)
}

/// The clipped surrogate loss `mean(max(−A·r, −A·clip(r, 1−ε, 1+ε)))` (`ppo.py` lines
/// 277–279) for advantages `adv` and probability ratios `ratio` [batch]. Its gradient with
/// respect to `r` is `−A/batch` where the unclipped term is active and 0 where the clip binds
/// (A > 0, r > 1+ε; A < 0, r < 1−ε); ties split the gradient, as `torch.max`.
pub fn clipped_policy_loss(adv: &Tensor, ratio: &Tensor, clip_coef: f64) -> Result<Tensor> {
    let pg1 = (adv.neg()? * ratio)?;
    let pg2 = (adv.neg()? * ratio.clamp(1.0 - clip_coef, 1.0 + clip_coef)?)?;
    Ok(pg1.maximum(&pg2)?.mean_all()?)
}

/// The value loss (`ppo.py` lines 282–294): with `clip = Some(ε)`,
/// `0.5·mean(max((v − R)², (V_old + clip(v − V_old, −ε, ε) − R)²))`, else `0.5·mean((v − R)²)`,
/// for new values `v`, returns `R` and rollout values `V_old` [batch].
pub fn value_loss(
    new_value: &Tensor,
    returns: &Tensor,
    old_value: &Tensor,
    clip: Option<f64>,
) -> Result<Tensor> {
    let unclipped = (new_value - returns)?.sqr()?;
    let per = match clip {
        Some(eps) => {
            let v_clipped = (old_value + (new_value - old_value)?.clamp(-eps, eps)?)?;
            let clipped = (v_clipped - returns)?.sqr()?;
            unclipped.maximum(&clipped)?
        }
        None => unclipped,
    };
    Ok((per.mean_all()? * 0.5)?)
}

/// The coefficients of the loss (`Args` of `ppo.py`).
#[derive(Debug, Clone, Copy)]
pub struct LossConfig {
    /// `norm_adv`: normalise advantages per minibatch.
    pub norm_adv: bool,
    /// `clip_coef` ε.
    pub clip_coef: f64,
    /// `clip_vloss`: clip the value loss with the same ε.
    pub clip_vloss: bool,
    /// `ent_coef`.
    pub ent_coef: f64,
    /// `vf_coef`.
    pub vf_coef: f64,
}

/// One minibatch: the rollout's stored tensors at the minibatch's indices.
pub struct Minibatch {
    /// Observations [batch, obs_dim].
    pub obs: Tensor,
    /// Actions taken [batch] (u32).
    pub actions: Tensor,
    /// Log-probabilities of those actions under the rollout policy [batch].
    pub logprobs: Tensor,
    /// GAE advantages [batch].
    pub advantages: Tensor,
    /// Returns `advantages + values` [batch].
    pub returns: Tensor,
    /// Values under the rollout critic [batch].
    pub values: Tensor,
}

/// The loss and its parts (the scalars `ppo.py` logs).
pub struct Loss {
    /// The total loss to differentiate.
    pub total: Tensor,
    /// `pg_loss`.
    pub policy: f64,
    /// `v_loss`.
    pub value: f64,
    /// `entropy_loss` (mean entropy, nats).
    pub entropy: f64,
    /// `approx_kl = mean((r − 1) − log r)`.
    pub approx_kl: f64,
    /// Fraction of ratios with |r − 1| > ε.
    pub clipfrac: f64,
}

/// The PPO loss of `agent` on `mb` (`get_action_and_value(b_obs[mb_inds], b_actions[mb_inds])`
/// and the lines after it).
pub fn ppo_loss(agent: &Agent, mb: &Minibatch, cfg: &LossConfig) -> Result<Loss> {
    let batch = mb.obs.dim(0)?;
    let log_probs = agent.log_probs(&mb.obs)?; // [batch, actions]
    let newlogprob = log_probs.gather(&mb.actions.unsqueeze(1)?, 1)?.squeeze(1)?;
    expect_shape(&newlogprob, &[batch], "new log-probabilities")?;
    let entropy = (log_probs.exp()? * &log_probs)?.sum(D::Minus1)?.neg()?;
    let new_value = agent.value(&mb.obs)?;
    let logratio = (&newlogprob - &mb.logprobs)?;
    let ratio = logratio.exp()?;
    let (approx_kl, clipfrac) = {
        let r = ratio.detach();
        let lr = logratio.detach();
        let kl = ((&r - 1.0)? - &lr)?.mean_all()?.to_scalar::<f32>()?;
        let rv: Vec<f32> = r.to_vec1()?;
        let clipped = rv
            .iter()
            .filter(|x| (f64::from(**x) - 1.0).abs() > cfg.clip_coef)
            .count();
        (f64::from(kl), clipped as f64 / batch as f64)
    };
    let adv = if cfg.norm_adv {
        normalize_advantages(&mb.advantages)?
    } else {
        mb.advantages.clone()
    };
    let pg = clipped_policy_loss(&adv, &ratio, cfg.clip_coef)?;
    let v = value_loss(
        &new_value,
        &mb.returns,
        &mb.values,
        cfg.clip_vloss.then_some(cfg.clip_coef),
    )?;
    let ent = entropy.mean_all()?;
    let total = ((&pg - (&ent * cfg.ent_coef)?)? + (&v * cfg.vf_coef)?)?;
    let scalar = |t: &Tensor| -> Result<f64> { Ok(f64::from(t.to_scalar::<f32>()?)) };
    Ok(Loss {
        policy: scalar(&pg)?,
        value: scalar(&v)?,
        entropy: scalar(&ent)?,
        approx_kl,
        clipfrac,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn t(v: &[f32]) -> Tensor {
        Tensor::new(v, &Device::Cpu).unwrap()
    }

    #[test]
    fn normalised_advantages_have_mean_zero_and_unbiased_sd_one() {
        let a = normalize_advantages(&t(&[1.0, 2.0, 3.0, 6.0])).unwrap();
        let v: Vec<f32> = a.to_vec1().unwrap();
        // mean 3, unbiased sd √(14/3) = 2.1602
        let sd = (14.0f32 / 3.0).sqrt();
        let want = [-2.0 / sd, -1.0 / sd, 0.0, 3.0 / sd];
        for (g, w) in v.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{v:?}");
        }
    }

    #[test]
    fn clipped_objective_gradient_on_a_toy_case() {
        // Four samples, ε = 0.2:
        //  0: A = +1, r = 1.5 (clip binds: no gradient)
        //  1: A = +1, r = 0.5 (pessimistic unclipped term active: −A/4)
        //  2: A = −2, r = 0.5 (clip binds: no gradient)
        //  3: A = −2, r = 1.1 (inside the range: −A/4 = +0.5)
        let ratio = Var::new(&[1.5f32, 0.5, 0.5, 1.1], &Device::Cpu).unwrap();
        let adv = t(&[1.0, 1.0, -2.0, -2.0]);
        let loss = clipped_policy_loss(&adv, ratio.as_tensor(), 0.2).unwrap();
        // value: mean(max(−A r, −A clip(r))) = mean(−1.2, −0.5, 1.6, 2.2) = 0.525
        assert!((loss.to_scalar::<f32>().unwrap() - 0.525).abs() < 1e-6);
        let g = loss.backward().unwrap();
        let grad: Vec<f32> = g.get(ratio.as_tensor()).unwrap().to_vec1().unwrap();
        assert_eq!(grad, vec![0.0, -0.25, 0.0, 0.5]);
    }

    #[test]
    fn value_loss_takes_the_pessimistic_clipped_term() {
        let new_v = t(&[2.0, 0.0]);
        let ret = t(&[0.0, 0.0]);
        let old = t(&[0.0, 1.0]);
        // sample 0: unclipped 4, clipped (0 + 0.2 − 0)² = 0.04 → 4
        // sample 1: unclipped 0, clipped (1 − 0.2)² = 0.64 → 0.64
        let l = value_loss(&new_v, &ret, &old, Some(0.2)).unwrap();
        assert!((l.to_scalar::<f32>().unwrap() - 0.5 * (4.0 + 0.64) / 2.0).abs() < 1e-6);
        let l = value_loss(&new_v, &ret, &old, None).unwrap();
        assert!((l.to_scalar::<f32>().unwrap() - 1.0).abs() < 1e-6);
    }
}
