"""walras.gtb: the Gather-Trade-Build world from Python, the same numbers as the command line."""

import json
import subprocess

import numpy as np
import pytest

import walras
from walras.errors import ArgumentError, DataError
from test_cli_equality import assert_same


def test_simulate_equals_the_cli_and_holds_arrays_by_episode(cli):
    py = walras.gtb.simulate(episodes=5, seed=2, threads=1)
    rec = cli("tax", "gtb", "simulate", "--episodes", "5", "--seed", "2", "--threads", "1")
    d = py.to_dict()
    for key in ("wall_time_s", "steps_per_s"):
        d.pop(key)
        rec.pop(key)
    assert_same(d, rec)
    assert py.houses.shape == (5,) and py.coin.shape == (5, 4)
    # Coin comes only from houses: 40 at the start plus payments of 11.33 to 22.25 each.
    assert np.all(py.productivity >= 40 + 11.33 * py.houses - 1e-9)
    assert np.all(py.productivity <= 40 + 22.25 * py.houses + 1e-9)
    np.testing.assert_allclose(py.productivity, py.coin.sum(axis=1), rtol=1e-12)
    assert py.tables == ["episodes.csv"]
    assert "equality" in repr(py)


def test_threads_do_not_change_the_outcomes():
    one = walras.gtb.simulate(episodes=4, rng="fast", seed=9, threads=1)
    two = walras.gtb.simulate(episodes=4, rng="fast", seed=9, threads=2)
    np.testing.assert_array_equal(one.equality, two.equality)
    scripted = walras.gtb.simulate("scripted", episodes=4, rng="fast", seed=9)
    assert scripted.houses.mean() > one.houses.mean()


def test_replay_equals_the_cli_lines(walras_bin, tmp_path):
    steps = np.random.default_rng(0).integers(0, 50, size=(120, 4))
    actions = tmp_path / "a.json"
    actions.write_text(json.dumps({"agents": steps.tolist()}))
    out = subprocess.run(
        [walras_bin, "tax", "gtb", "replay", "--actions", str(actions), "--seed", "4",
         "--episode-length", "100", "--masks"],
        check=True, capture_output=True, text=True,
    ).stdout
    cli_lines = [json.loads(line) for line in out.splitlines()]
    r = walras.gtb.replay(steps, seed=4, episode_length=100, masks=True)
    assert r.records == cli_lines
    assert walras.gtb.replay(str(actions), seed=4, episode_length=100, masks=True).records == cli_lines
    assert len(r) == 122 and r.coin.shape == (122, 4) and r.loc.shape == (122, 4, 2)
    assert r.agent_masks.shape == (122, 4, 50) and list(r.t[:3]) == [0, 1, 2]
    assert list(r.episode[[0, 100, 101, 121]]) == [0, 0, 1, 1]
    with_obs = walras.gtb.replay(steps[:5], seed=4, observations=True)
    flat = np.array(with_obs.observations[3]["agents"][0]["flat"], dtype=np.float32)
    assert flat.shape == (136,) and flat[130] == np.float32(3 / 1000)  # time
    # Taxes are collected at the period's last step and handed back whole.
    assert r.tax_paid[100].sum() == pytest.approx(4 * r.lump_sum[100][0])


@pytest.mark.parametrize(
    "call, error, needle",
    [
        (lambda: walras.gtb.replay([[0, 0, 0, 60]]), ArgumentError, "60"),
        (lambda: walras.gtb.replay([[0, 0, 0]]), ArgumentError, "3 entries"),
        (lambda: walras.gtb.replay([0, 0, 0, 0]), ArgumentError, "two-dimensional"),
        (lambda: walras.gtb.replay([["a", "b", "c", "d"]]), TypeError, "integer"),
        (lambda: walras.gtb.replay([[0, 0, 0, 0]], tax="planner"), ArgumentError, "planner"),
        (lambda: walras.gtb.replay([[0, 0, 0, 0]], tax="flat"), ArgumentError, "flat"),
        (lambda: walras.gtb.replay([[0, 0, 0, 0]], seed=2**32), ArgumentError, "seed"),
        (lambda: walras.gtb.replay([[0, 0, 0, 0]], map="/nonexistent/map.txt"), DataError, "map.txt"),
        (lambda: walras.gtb.simulate(episodes=0), ArgumentError, "episodes"),
        (lambda: walras.gtb.simulate(policy="greedy"), ArgumentError, "greedy"),
        (lambda: walras.gtb.simulate(episodes=1, episode_length=0), ArgumentError, "episode_length"),
        (lambda: walras.gtb.simulate(episodes=1.5), TypeError, "episodes"),
    ],
)
def test_bad_calls_raise_clear_exceptions(call, error, needle):
    with pytest.raises(error) as e:
        call()
    assert needle in str(e.value)


def test_vector_env_steps_a_batch_like_replays_of_each_world():
    env = walras.gtb.vector_env(3, rng="numpy-legacy", seed=10, episode_length=50)
    obs = env.reset()
    assert obs["flat"].shape == (3, 4, 136) and obs["flat"].dtype == np.float32
    assert obs["map"].shape == (3, 4, 7, 11, 11) and obs["action_mask"].shape == (3, 4, 50)
    assert obs["planner_map"].shape == (3, 6, 25, 25)
    rng = np.random.default_rng(1)
    history, rewards_seen = [], []
    for t in range(50):
        # Random actions allowed by the masks.
        masks = obs["action_mask"]
        actions = np.array([[rng.choice(np.flatnonzero(masks[k, i])) for i in range(4)] for k in range(3)])
        history.append(actions)
        obs, rewards, planner_rewards, dones = env.step(actions)
        assert rewards.shape == (3, 4) and planner_rewards.shape == (3,)
        assert list(dones) == [t == 49] * 3
        rewards_seen.append(rewards)
    # Each world is the replay of its own actions from its own seed, bit for bit.
    for k in range(3):
        r = walras.gtb.replay(np.array([h[k] for h in history]), seed=10 + k, episode_length=50)
        np.testing.assert_array_equal(np.array([w[k] for w in rewards_seen]), r.rewards[1:])
    # After the episode's end every world was reset: step 0 of a new episode.
    assert np.all(obs["flat"][:, :, 130] == 0.0)


def test_vector_env_refuses_bad_actions():
    env = walras.gtb.vector_env(2, episode_length=10)
    env.reset()
    with pytest.raises(ArgumentError):
        env.step(np.zeros((3, 4)))
    with pytest.raises(ArgumentError):
        env.step(np.full((2, 4), 50))
    with pytest.raises(ArgumentError):
        env.step(np.zeros((2, 4)), planner=np.zeros((2, 7)))


@pytest.mark.parametrize("tax", ["us-federal", "planner"])
def test_parallel_env_passes_the_pettingzoo_api_test(tax):
    pytest.importorskip("pettingzoo")
    from pettingzoo.test import parallel_api_test

    env = walras.gtb.parallel_env(tax=tax, episode_length=60)
    parallel_api_test(env, num_cycles=100)
    obs, _ = env.reset(seed=3)
    assert set(obs) == ({"0", "1", "2", "3", "p"} if tax == "planner" else {"0", "1", "2", "3"})
    assert obs["0"]["flat"].shape == (136,)


def test_simulate_reports_progress_and_stops_on_ctrl_c():
    from test_threads_and_interrupts import assert_ctrl_c_stops_within_a_second

    lines = []
    # Progress is reported every tenth of a second: a run of about a second.
    walras.gtb.simulate(episodes=1000, rng="fast", threads=1, progress=lines.append)
    assert lines and all(line.startswith("episode ") and line.endswith(" of 1000") for line in lines), lines
    assert_ctrl_c_stops_within_a_second(
        "", "walras.gtb.simulate(episodes=50000, rng='fast', threads=1)", wait=0.5, timeout=60
    )


QUICK = dict(episodes=8, rounds=1, iterations=2, pairs=2, episode_length=200)
QUICK_FLAGS = ["--episodes", "8", "--rounds", "1", "--iterations", "2", "--pairs", "2",
               "--episode-length", "200"]


def test_compare_equals_the_cli_and_names_every_planner(cli):
    py = walras.gtb.compare(seed=4, objective_episodes=4, **QUICK)
    rec = cli("tax", "gtb", "compare", "--seed", "4", "--objective-episodes", "4", *QUICK_FLAGS)
    assert_same(py.to_dict(), rec)
    assert sorted(py.planners) == sorted(walras.gtb.PLANNERS)
    for name, p in py.planners.items():
        for k in ("equality", "productivity", "equality_times_productivity"):
            assert p[k]["ci95_low"] <= p[k]["mean"] <= p[k]["ci95_high"], (name, k)
    np.testing.assert_allclose(py.equality_times_productivity,
                               [py.planners[p]["equality_times_productivity"]["mean"] for p in walras.gtb.PLANNERS])
    assert sorted(py.ranking) == sorted(walras.gtb.PLANNERS)
    assert py.paper["gain_over_saez_pct"] == 16.0
    # The figures' data: one marker per planner in the equality-productivity plane.
    fig = py.figure_data("equality_productivity")
    assert len(fig["series"]) == 4
    for s, name in zip(fig["series"], walras.gtb.PLANNERS):
        np.testing.assert_allclose(s["x"], [py.planners[name]["productivity"]["mean"]])
        np.testing.assert_allclose(s["y"], [py.planners[name]["equality"]["mean"]])
    assert "Comparison" in repr(py)


def test_equilibrium_at_given_rates_and_its_agents():
    e = walras.gtb.equilibrium("planner", rates=[0.1, 0.1, 0.2, 0.25, 0.3, 0.35, 0.35], **QUICK)
    np.testing.assert_allclose(e.rates, [0.1, 0.1, 0.2, 0.25, 0.3, 0.35, 0.35], atol=1e-15)
    assert e.utility.shape == (4,) and e.deviation_gain.shape == (4,)
    payments = [a["build_payment"] for a in e.outcome["agents"]]
    assert payments == sorted(payments)
    o = walras.gtb.optimize(objective_episodes=4, **QUICK)
    assert o.optimization is not None and len(o.optimization["levels"]) == 7
    np.testing.assert_allclose(o.rates, np.array(o.optimization["levels"]) * 0.05)


@pytest.mark.parametrize("call, error, needle", [
    (lambda: walras.gtb.equilibrium("planner", **QUICK), ArgumentError, "--rates"),
    (lambda: walras.gtb.equilibrium("planner", rates=[22] * 7, **QUICK), ArgumentError, "percent"),
    (lambda: walras.gtb.equilibrium("planner", rates=[0.1] * 6, **QUICK), ArgumentError, "7 rates"),
    (lambda: walras.gtb.equilibrium("saez", rates=[0.1] * 7, **QUICK), ArgumentError, "only with"),
    (lambda: walras.gtb.compare(episodes=1), ArgumentError, "episodes"),
    (lambda: walras.gtb.compare(pairs=0), ArgumentError, "pairs"),
    (lambda: walras.gtb.compare(rounds="2"), TypeError, "rounds"),
])
def test_bad_game_calls_raise_clear_exceptions(call, error, needle):
    with pytest.raises(error, match=needle):
        call()


def test_random_skills_reach_every_entry_point(cli):
    py = walras.gtb.simulate(episodes=3, episode_length=50, random_skills=True, seed=1)
    rec = cli("tax", "gtb", "simulate", "--episodes", "3", "--episode-length", "50", "--random-skills",
              "--seed", "1")
    d = py.to_dict()
    for r in (d, rec):
        r.pop("wall_time_s")
        r.pop("steps_per_s")
    assert_same(d, rec)
    fixed = [11.331640623590097, 13.267112338979295, 16.472372947006132, 22.249614304395735]
    assert all(sorted(e["build_payment"]) != fixed for e in d["episode_outcomes"])
    env = walras.gtb.vector_env(2, random_skills=True)
    env.reset()
    with pytest.raises(TypeError, match="random_skills"):
        walras.gtb.simulate(episodes=1, random_skills="yes")
