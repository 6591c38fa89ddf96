#!/usr/bin/env python3.11
"""Side-by-side reference harness for the AI Economist Gather-Trade-Build env.

TEST HELPER ONLY -- not part of the Rust crate. It drives the original Python
reference (ai-economist 1.7.1, numpy 1.23.5) so that the Rust re-implementation
in crates/gtb can be checked step by step against it (see
/work/shared/specs/gtb.md, sections 0, 3, 4, 9, 10, 12 and 14).

Subcommands
-----------
record  Build the 4-agent "open quadrant" GTB env (phase-2 component set,
        fixed_four_skill_and_loc, starting coin 10), seed numpy's global RNG
        once with env.seed(S), then run E episodes of T steps back to back
        (no reseeding between episodes; the Saez buffer persists across resets).
        Actions are drawn from a SEPARATE np.random.default_rng(A), uniformly
        among the entries allowed by the masks of the previous observation, so
        the env's global MT19937 stream is never touched by the harness.
        Writes
          ACTIONS.json  {"episode_length", "episodes", "agents": [[a0..a3] per
                        step], "planner": [[r1..r7] per step] (tax planner only)}
          STATES.jsonl  one JSON object after each reset (t = 0) and after each
                        step: episode, t, loc, coin, wood, stone, escrow_*,
                        labor, houses, rewards, planner_reward, tax_paid,
                        lump_sum, wood_on_map, stone_on_map, rates, mt_pos,
                        mt_key_hash.
speed   Time T-step episodes with random valid agent actions and a planner
        NO-OP; prints one JSON line {"steps_per_s", "episodes", "steps", ...}.

Usage
-----
  python gtb_reference.py record --seed 7 --tax us-federal --steps 200 \
      --episodes 2 --action-seed 0 --actions-out a.json --states-out s.jsonl
  python gtb_reference.py speed --tax us-federal --episodes 5 --steps 1000 \
      --action-seed 0
"""

import argparse
import contextlib
import json
import sys
import time

import numpy as np

TAX_MODES = ("us-federal", "saez", "planner", "none")
N_AGENTS = 4
N_BRACKETS = 7
N_TAX_ACTIONS = 22  # per planner sub-space: NO-OP + 21 discrete rates


def import_foundation():
    """Import ai_economist.foundation, sending its import-time chatter to stderr."""
    with contextlib.redirect_stdout(sys.stderr):
        from ai_economist import foundation  # pylint: disable=import-outside-toplevel
    return foundation


def tax_component(tax):
    """The PeriodicBracketTax entry for a tax mode, or None for the free market."""
    if tax == "none":
        return None
    kwargs = dict(period=100, bracket_spacing="us-federal", usd_scaling=1000)
    if tax == "us-federal":
        kwargs.update(disable_taxes=False, tax_model="us-federal-single-filer-2018-scaled")
    elif tax == "saez":
        kwargs.update(disable_taxes=False, tax_model="saez")
    elif tax == "planner":
        kwargs.update(disable_taxes=False, tax_model="model_wrapper", rate_disc=0.05)
    else:
        raise ValueError("unknown tax mode {!r}".format(tax))
    return ("PeriodicBracketTax", kwargs)


def env_config(tax, episode_length):
    """Spec section 0.1 phase-2 configuration (with starting coin 10, fixed four)."""
    components = [
        ("Build", dict(payment=10, payment_max_skill_multiplier=3,
                       skill_dist="pareto", build_labor=10)),
        ("ContinuousDoubleAuction", dict(max_bid_ask=10, order_labor=0.25,
                                         order_duration=50, max_num_orders=5)),
        ("Gather", dict(move_labor=1, collect_labor=1, skill_dist="pareto")),
    ]
    pbt = tax_component(tax)
    if pbt is not None:
        components.append(pbt)
    return dict(
        scenario_name="layout_from_file/simple_wood_and_stone",
        components=components,
        env_layout_file="quadrant_25x25_20each_30clump.txt",
        starting_agent_coin=10,
        fixed_four_skill_and_loc=True,
        n_agents=N_AGENTS,
        world_size=[25, 25],
        episode_length=int(episode_length),
        multi_action_mode_agents=False,
        multi_action_mode_planner=True,
        flatten_observations=True,
        flatten_masks=True,
        isoelastic_eta=0.23,
        energy_cost=0.21,
        energy_warmup_constant=0,
        planner_gets_spatial_info=True,
        dense_log_frequency=None,  # no dense logs (no extra work, no RNG use)
    )


def make_env(tax, episode_length):
    foundation = import_foundation()
    env = foundation.make_env_instance(**env_config(tax, episode_length))
    assert [c.name for c in env.components][:3] == [
        "Build", "ContinuousDoubleAuction", "Gather"]
    return env


def get_tax_component(env):
    for component in env.components:
        if component.name == "PeriodicBracketTax":
            return component
    return None


# ----------------------------------------------------------------------------
# Actions (separate generator; never the numpy global state)
# ----------------------------------------------------------------------------

def pick_allowed(rng, mask):
    """Uniform choice among the indices whose mask entry is 1."""
    allowed = np.flatnonzero(np.asarray(mask) > 0.5)
    assert allowed.size > 0, "empty action mask"
    return int(allowed[int(rng.integers(allowed.size))])


def draw_agent_actions(rng, obs):
    return [pick_allowed(rng, obs[str(i)]["action_mask"]) for i in range(N_AGENTS)]


def draw_planner_action(rng, planner_mask):
    """One sub-action 0..21 per tax bracket, respecting the 7x22 flat mask."""
    mask = np.asarray(planner_mask).reshape(N_BRACKETS, N_TAX_ACTIONS)
    return [pick_allowed(rng, sub) for sub in mask]


def planner_noop(env):
    """All-zero planner action: [0] for the placeholder, [0]*7 for tax brackets."""
    return [0] * len(env.world.planner.action_spaces)


def build_action_dict(agent_actions, planner_action):
    actions = {str(i): a for i, a in enumerate(agent_actions)}
    actions["p"] = list(planner_action)
    return actions


# ----------------------------------------------------------------------------
# State snapshot
# ----------------------------------------------------------------------------

def mt_fingerprint():
    """(position, sum(key) mod 2^32) of numpy's global MT19937 state."""
    _, key, pos, _, _ = np.random.get_state()
    return int(pos), int(np.sum(key, dtype=np.uint64)) % (2 ** 32)


def count_houses(env):
    """Houses per agent, from the House owner map (houses are never removed)."""
    owner = env.world.maps.get("House", owner=True)
    return [int(np.sum(owner == i)) for i in range(N_AGENTS)]


def check_houses_against_build_log(env):
    """Cross-check the owner-map count with the Build component's episode log."""
    from_log = [0] * N_AGENTS
    for step_builds in env.get_component("Build").builds:
        for b in step_builds:
            from_log[int(b["builder"])] += 1
    assert count_houses(env) == from_log, (count_houses(env), from_log)


def tax_step_info(pbt):
    """(tax_paid, lump_sum, rates) for the current step from PeriodicBracketTax."""
    zeros = [0.0] * N_AGENTS
    if pbt is None:
        return zeros, list(zeros), [0.0] * N_BRACKETS
    rates = [float(r) for r in pbt.curr_marginal_rates]
    if not pbt.taxes or not pbt.taxes[-1]:  # reset, or a non-collection step ([])
        return zeros, list(zeros), rates
    entry = pbt.taxes[-1]
    tax_paid = [float(entry[str(i)]["tax_paid"]) for i in range(N_AGENTS)]
    lump_sum = [float(entry[str(i)]["lump_sum"]) for i in range(N_AGENTS)]
    return tax_paid, lump_sum, rates


def snapshot(env, pbt, episode, t, rew):
    agents = env.world.agents
    tax_paid, lump_sum, rates = tax_step_info(pbt)
    mt_pos, mt_key_hash = mt_fingerprint()
    if rew is None:
        rewards, planner_reward = [0.0] * N_AGENTS, 0.0
    else:
        rewards = [float(rew[str(i)]) for i in range(N_AGENTS)]
        planner_reward = float(rew["p"])
    return {
        "episode": int(episode),
        "t": int(t),
        "loc": [[int(a.loc[0]), int(a.loc[1])] for a in agents],
        "coin": [float(a.inventory["Coin"]) for a in agents],
        "wood": [float(a.inventory["Wood"]) for a in agents],
        "stone": [float(a.inventory["Stone"]) for a in agents],
        "escrow_coin": [float(a.escrow["Coin"]) for a in agents],
        "escrow_wood": [float(a.escrow["Wood"]) for a in agents],
        "escrow_stone": [float(a.escrow["Stone"]) for a in agents],
        "labor": [float(a.endogenous["Labor"]) for a in agents],
        "houses": count_houses(env),
        "rewards": rewards,
        "planner_reward": planner_reward,
        "tax_paid": tax_paid,
        "lump_sum": lump_sum,
        "wood_on_map": float(np.sum(env.world.maps.get("Wood"))),
        "stone_on_map": float(np.sum(env.world.maps.get("Stone"))),
        "rates": rates,
        "mt_pos": mt_pos,
        "mt_key_hash": mt_key_hash,
    }


# ----------------------------------------------------------------------------
# Subcommands
# ----------------------------------------------------------------------------

def log_saez_estimates(pbt, path):
    """Wrap the tax component's Saez update so that every call of the formula (not the random
    rates before the buffer fills) writes its inputs and outputs as one JSON line."""
    out = open(path, "w")
    update = pbt.compute_and_set_new_period_rates_from_saez_formula

    def logged(*a, **kw):
        formula = pbt._reached_min_samples or len(pbt.saez_buffer) >= pbt._buffer_size
        before = {"buffer": [[float(z), float(tau)] for z, tau in pbt.saez_buffer],
                  "running_avg_before": [float(r) for r in pbt.running_avg_tax_rates],
                  "elasticity": float(pbt.elas_t), "log_z0": float(pbt.log_z0_t)}
        update(*a, **kw)
        if formula:
            before.update(rates=[float(r) for r in pbt.curr_bracket_tax_rates],
                          elasticity_after=float(pbt.elas_t), log_z0_after=float(pbt.log_z0_t),
                          running_avg=[float(r) for r in pbt.running_avg_tax_rates])
            out.write(json.dumps(before) + "\n")
            out.flush()

    pbt.compute_and_set_new_period_rates_from_saez_formula = logged
    return out


def _floats(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


def with_observations(state, obs, observations):
    """With `observations`, add what each agent and the planner observe (float32 values as
    Python floats): per agent `flat`, `map` and `idx_map`; the planner's, and its entries
    about each agent."""
    if observations:
        n = len(obs) - 1
        state["observations"] = {
            "agents": [{"flat": _floats(obs[str(i)]["flat"]), "map": _floats(obs[str(i)]["world-map"]),
                        "idx_map": _floats(obs[str(i)]["world-idx_map"])} for i in range(n)],
            "planner": {"flat": _floats(obs["p"]["flat"]), "map": _floats(obs["p"]["world-map"]),
                        "idx_map": _floats(obs["p"]["world-idx_map"])},
            "planner_agents": [_floats(obs["p"]["p" + str(i)]) for i in range(n)],
        }
    return state


def with_masks(state, obs, masks):
    """With `masks`, add the action masks the observation carries: `agent_masks` (50 per agent,
    for the next step) and `planner_mask`."""
    if masks:
        state["agent_masks"] = [[int(x) for x in obs[str(i)]["action_mask"]]
                                for i in range(len(obs) - 1)]
        state["planner_mask"] = [int(x) for x in obs["p"]["action_mask"]]
    return state


def record(args):
    env = make_env(args.tax, args.steps)
    pbt = get_tax_component(env)
    saez_log = log_saez_estimates(pbt, args.saez_log) if args.saez_log else None
    rng = np.random.default_rng(args.action_seed)
    with_planner = args.tax == "planner"

    agent_log, planner_log = [], []
    env.seed(args.seed)  # np.random.seed + random.seed, once
    with open(args.states_out, "w") as states:
        for episode in range(args.episodes):
            obs = env.reset()
            states.write(json.dumps(with_observations(with_masks(snapshot(env, pbt, episode, 0, None), obs, args.masks), obs, args.observations)) + "\n")
            for t in range(1, args.steps + 1):
                agent_actions = draw_agent_actions(rng, obs)
                planner_action = (draw_planner_action(rng, obs["p"]["action_mask"])
                                  if with_planner else planner_noop(env))
                obs, rew, done, _ = env.step(build_action_dict(agent_actions, planner_action))
                agent_log.append(agent_actions)
                if with_planner:
                    planner_log.append(planner_action)
                states.write(json.dumps(with_observations(with_masks(snapshot(env, pbt, episode, t, rew), obs, args.masks), obs, args.observations)) + "\n")
            assert done["__all__"]
            check_houses_against_build_log(env)

    if saez_log is not None:
        saez_log.close()
    out = {"episode_length": args.steps, "episodes": args.episodes,
           "agents": agent_log}
    if with_planner:
        out["planner"] = planner_log
    with open(args.actions_out, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


def speed(args):
    env = make_env(args.tax, args.steps)
    rng = np.random.default_rng(args.action_seed)
    noop = planner_noop(env)
    env.seed(args.seed)
    per_episode = []
    start = time.perf_counter()
    for _ in range(args.episodes):
        obs = env.reset()
        ep_start = time.perf_counter()
        for _ in range(args.steps):
            obs, _, _, _ = env.step(build_action_dict(draw_agent_actions(rng, obs), noop))
        per_episode.append(args.steps / (time.perf_counter() - ep_start))
    elapsed = time.perf_counter() - start
    total = args.episodes * args.steps
    print(json.dumps({
        "steps_per_s": total / elapsed,
        "episodes": args.episodes,
        "steps": args.steps,
        "tax": args.tax,
        "seconds": elapsed,
        "per_episode_steps_per_s": per_episode,
    }))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    rec = sub.add_parser("record", help="record actions and per-step states")
    rec.add_argument("--seed", type=int, required=True, help="env.seed (> 0)")
    rec.add_argument("--tax", choices=TAX_MODES, required=True)
    rec.add_argument("--steps", type=int, required=True, help="episode length T")
    rec.add_argument("--episodes", type=int, default=1)
    rec.add_argument("--action-seed", type=int, default=0)
    rec.add_argument("--actions-out", required=True)
    rec.add_argument("--states-out", required=True)
    rec.add_argument("--masks", action="store_true",
                     help="also record the agents' and the planner's action masks")
    rec.add_argument("--observations", action="store_true",
                     help="also record every agent's and the planner's observation")
    rec.add_argument("--saez-log", help="with --tax saez: one JSON line per Saez formula call "
                     "(buffer, elasticity and log z0 before; rates, elasticity, log z0 and "
                     "running average after)")

    spd = sub.add_parser("speed", help="time random-action episodes")
    spd.add_argument("--tax", choices=TAX_MODES, default="us-federal")
    spd.add_argument("--episodes", type=int, default=5)
    spd.add_argument("--steps", type=int, default=1000)
    spd.add_argument("--action-seed", type=int, default=0)
    spd.add_argument("--seed", type=int, default=1, help="env.seed (> 0)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.command == "record":
        record(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
