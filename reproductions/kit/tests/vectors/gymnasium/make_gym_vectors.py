#!/usr/bin/env python3
"""Writes Gymnasium classic-control trajectories as JSON test vectors for repro-kit's Rust
environments (reproductions/kit/src/env/). Not part of the test suite: the Rust tests
(reproductions/kit/tests/gym_vectors.rs) replay the committed JSON.

Each case starts from a fixed state (set on ``env.unwrapped.state`` right after ``reset``, so
Gymnasium's TimeLimit counter starts at 0) and applies a fixed action sequence. Where a case
needs a long episode the actions come from a simple deterministic controller evaluated here;
the chosen actions are recorded, so the Rust side replays actions, never the controller.

Recorded per step: the action, the float32 observation (as Python floats: exact), the float64
internal state after the step, the reward, terminated and truncated. A case stops at the first
step with terminated or truncated, or when its actions run out.

Usage (pinned versions in requirements.txt):
    python make_gym_vectors.py > gym_classic_control.json
"""

import json
import sys

import gymnasium as gym
import numpy as np


def rollout(env_id, state, policy, max_actions):
    env = gym.make(env_id)
    env.reset(seed=0)
    env.unwrapped.state = np.array(state, dtype=np.float64)
    if env_id == "Acrobot-v1":
        obs0 = env.unwrapped._get_ob()
    else:
        obs0 = np.array(env.unwrapped.state, dtype=np.float32)
    steps = []
    obs = obs0
    for _ in range(max_actions):
        action = int(policy(obs, np.array(env.unwrapped.state, dtype=np.float64)))
        obs, reward, terminated, truncated, _ = env.step(action)
        steps.append(
            {
                "action": action,
                "observation": [float(x) for x in obs],
                "state": [float(x) for x in np.asarray(env.unwrapped.state, dtype=np.float64)],
                "reward": float(reward),
                "terminated": bool(terminated),
                "truncated": bool(truncated),
            }
        )
        if terminated or truncated:
            break
    env.close()
    return {
        "env_id": env_id,
        "initial_state": [float(x) for x in state],
        "initial_observation": [float(x) for x in obs0],
        "steps": steps,
    }


def fixed(actions):
    it = iter(actions)
    return lambda obs, s: next(it)


def main():
    rng = np.random.default_rng(12345)
    cases = {}
    # --- CartPole-v1 (Euler, 500-step limit) ---
    cases["cartpole_alternate"] = rollout(
        "CartPole-v1", [0.0, 0.0, 0.0, 0.0], fixed([i % 2 for i in range(600)]), 600)
    cases["cartpole_pd_truncated"] = rollout(
        "CartPole-v1", [0.01, -0.02, 0.03, 0.04],
        lambda o, s: 1 if (s[2] + 0.5 * s[3] + 0.01 * s[0] + 0.05 * s[1]) > 0 else 0, 600)
    cases["cartpole_push_right"] = rollout(
        "CartPole-v1", [0.04, 0.01, -0.03, 0.02], fixed([1] * 600), 600)
    cases["cartpole_cart_leaves_track"] = rollout(
        "CartPole-v1", [2.3, 1.5, 0.0, 0.0],
        lambda o, s: 1 if (s[2] + 0.5 * s[3]) > 0 else 0, 600)
    cases["cartpole_random"] = rollout(
        "CartPole-v1", [-0.03, 0.02, 0.01, -0.04], fixed(rng.integers(0, 2, 600).tolist()), 600)
    # --- Acrobot-v1 (RK4, book dynamics, 500-step limit) ---
    cases["acrobot_random_truncated"] = rollout(
        "Acrobot-v1", [0.0, 0.0, 0.0, 0.0], fixed(rng.integers(0, 3, 600).tolist()), 600)
    cases["acrobot_energy_pumping"] = rollout(
        "Acrobot-v1", [0.05, -0.03, 0.02, 0.01],
        lambda o, s: 2 if s[3] > 0 else 0, 600)
    cases["acrobot_fast_wraps_and_bounds"] = rollout(
        "Acrobot-v1", [3.0, -3.0, 12.0, -27.0], fixed(rng.integers(0, 3, 60).tolist()), 60)
    # --- MountainCar-v0 (200-step limit) ---
    cases["mountaincar_noop_truncated"] = rollout(
        "MountainCar-v0", [-0.5, 0.0], fixed([1] * 300), 300)
    cases["mountaincar_energy_pumping"] = rollout(
        "MountainCar-v0", [-0.52, 0.0], lambda o, s: 2 if s[1] >= 0 else 0, 300)
    cases["mountaincar_left_wall"] = rollout(
        "MountainCar-v0", [-1.15, -0.06], fixed([0] * 40 + [2] * 60), 100)
    cases["mountaincar_random"] = rollout(
        "MountainCar-v0", [-0.45, 0.01], fixed(rng.integers(0, 3, 300).tolist()), 300)
    out = {
        "generator": "reproductions/kit/tests/vectors/gymnasium/make_gym_vectors.py",
        "gymnasium": gym.__version__,
        "numpy": np.__version__,
        "cases": cases,
    }
    # One case per line: diffable, without the bulk of full indentation.
    sys.stdout.write("{\n")
    for key in ("generator", "gymnasium", "numpy"):
        sys.stdout.write(f" {json.dumps(key)}: {json.dumps(out[key])},\n")
    sys.stdout.write(' "cases": {\n')
    names = list(cases)
    for i, name in enumerate(names):
        sep = "," if i + 1 < len(names) else ""
        sys.stdout.write(f"  {json.dumps(name)}: {json.dumps(cases[name], separators=(',', ':'))}{sep}\n")
    sys.stdout.write(" }\n}\n")


if __name__ == "__main__":
    main()
