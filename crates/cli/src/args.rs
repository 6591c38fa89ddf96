//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Walras: general-equilibrium policy optimisation by nested fixed points with exact
/// implicit gradients.
#[derive(Debug, Parser)]
#[command(name = "walras", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub common: CommonArgs,
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Write results, figures and a run manifest into this directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the --out folder whole if it already holds files (otherwise an error).
    #[arg(long, global = true, requires = "out")]
    pub overwrite: bool,
    /// How to print results on stdout.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print nothing but results and errors; no progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More detail on stderr (solver reports); repeat for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned, human-readable table.
    Table,
    /// One JSON object, for scripts.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Solve the core's canonical economies (Cournot, Cobb-Douglas exchange, Armington tariff
    /// game) and compare with their closed-form answers.
    Examples(ExamplesArgs),
    /// Optimal income-tax brackets: Saez rates, the planner's optimal brackets, the optimal
    /// nonlinear (Mirrlees) schedule.
    Tax(TaxArgs),
    /// Trade and industrial policy: counterfactuals, optimal tariffs and subsidies, Nash wars,
    /// cooperation (multi-country, multi-sector, IO links, scale economies).
    Trade(TradeArgs),
    /// Data-driven automation: growth paths with task-specific data and spillover networks,
    /// the planner, Monte Carlo and phase diagrams, network tools.
    Automation(AutomationArgs),
    /// Sweeps: one definition (a grid or seeded draws of a walras command) run locally or as a
    /// Slurm job array, one Parquet shard per task, merged with a check.
    Sweep(BatchSweepArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Settings of `walras examples`.
#[derive(Debug, Args, Clone)]
pub struct ExamplesArgs {
    /// Trade elasticity theta of the Armington tariff game, in [1e-6, 10].
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    pub theta: f64,
    /// Iceberg trade cost tau of the Armington tariff game (>= 1, with theta ln(tau) <= 5).
    #[arg(long, default_value_t = 1.5, allow_negative_numbers = true)]
    pub tau: f64,
    /// Marginal costs of the Cournot firms, comma-separated (each in [0, 10)).
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub cournot_costs: Vec<f64>,
}

/// `walras automation`.
#[derive(Debug, Args, Clone)]
pub struct AutomationArgs {
    /// What to run.
    #[command(subcommand)]
    pub command: AutomationCommand,
}

/// Subcommands of `walras automation`.
#[derive(Debug, Subcommand, Clone)]
pub enum AutomationCommand {
    /// Simulate a growth path (market equilibrium at every instant).
    Simulate(ScenarioArgs),
    /// The social planner vs the market: allocation tilt, subsidies, welfare gap.
    Planner(PlannerArgs),
    /// How the planner's subsidies and welfare move with the scenario's parameters:
    /// differences of re-solved planners (Richardson-extrapolated), the welfare derivative
    /// checked against the envelope theorem (with --out, a heatmap and the tables).
    Sensitivity(Box<AutomationSensitivityArgs>),
    /// Bands around the planner's subsidies and welfare from the parameters' uncertainty:
    /// each draw's planner re-solved, beside the delta-method bands.
    Uncertainty(Box<AutomationUncertaintyArgs>),
    /// Monte Carlo over parameter ranges (fans) or a two-parameter grid (phase diagram).
    Sweep(SweepArgs),
    /// Build, inspect and export a spillover network.
    Network(NetworkArgs),
    /// List the shipped presets.
    Presets,
}

/// Which scenario to run.
#[derive(Debug, Args, Clone)]
pub struct ScenarioArgs {
    /// A scenario file (TOML; see data/automation/ for the keys).
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    pub scenario: Option<PathBuf>,
    /// A shipped preset (see `walras automation presets`); default directed-chain.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Override scalar keys, e.g. --set sigma=0.5 --set network.weight=0.2.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
}

/// `walras automation planner`.
#[derive(Debug, Args, Clone)]
pub struct PlannerArgs {
    /// The scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Discount rate rho > 0.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub discount: f64,
    /// CRRA coefficient of u(Y) (1 = log utility), in [0.01, 20].
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub eta: f64,
    /// Planning horizon (default: the scenario's horizon, at most 200).
    #[arg(long)]
    pub horizon: Option<f64>,
    /// Time grid points.
    #[arg(long, default_value_t = 400)]
    pub grid: usize,
    /// Stop the sweep when the consumption-equivalent Hamiltonian gap is below this
    /// (default 1e-8; 1e-12 for sensitivity and uncertainty, whose differences need it).
    #[arg(long)]
    pub tolerance: Option<f64>,
}

/// `walras automation sensitivity`.
#[derive(Debug, Args, Clone)]
pub struct AutomationSensitivityArgs {
    /// The planner problem (the flags of `walras automation planner`).
    #[command(flatten)]
    pub planner: PlannerArgs,
    /// The parameters, comma-separated (default: every continuous scalar key of the
    /// scenario, e.g. sigma, theta, chi, network.weight, and discount, eta).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub parameters: Vec<String>,
    /// Difference step, relative to each parameter (h = STEP * max(|value|, 0.01)).
    #[arg(long, default_value_t = 0.05)]
    pub step: f64,
}

/// `walras automation uncertainty`.
#[derive(Debug, Args, Clone)]
pub struct AutomationUncertaintyArgs {
    /// The planner problem and the parameters drawn.
    #[command(flatten)]
    pub sensitivity: AutomationSensitivityArgs,
    /// How the parameters are drawn.
    #[command(flatten)]
    pub source: ParameterDrawArgs,
}

/// `walras automation sweep`.
#[derive(Debug, Args, Clone)]
pub struct SweepArgs {
    /// The base scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Monte Carlo: a parameter range KEY=LOW:HIGH (repeatable).
    #[arg(long = "range", value_name = "KEY=LOW:HIGH")]
    pub ranges: Vec<String>,
    /// Monte Carlo draws.
    #[arg(long, default_value_t = 200)]
    pub draws: usize,
    /// Grid (phase diagram): exactly two of KEY=LOW:HIGH:POINTS.
    #[arg(long = "grid", value_name = "KEY=LOW:HIGH:N")]
    pub grid: Vec<String>,
    /// Seed of the draws (default: the scenario's seed).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `walras automation network`.
#[derive(Debug, Args, Clone)]
pub struct NetworkArgs {
    /// Take the network of this scenario.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Or build one: kind and parameters, e.g. "kind=ring,neighbors=2,weight=0.5".
    #[arg(long, value_name = "SPEC", conflicts_with_all = ["scenario", "preset"])]
    pub spec: Option<String>,
    /// Number of tasks for --spec.
    #[arg(long, default_value_t = 20)]
    pub tasks: usize,
    /// Seed for random topologies built with --spec.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the network as an edge list (CSV, csv.gz or Parquet by extension).
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
}

/// `walras tax`.
#[derive(Debug, Args, Clone)]
pub struct TaxArgs {
    /// What to compute.
    #[command(subcommand)]
    pub command: TaxCommand,
}

/// Subcommands of `walras tax`.
#[derive(Debug, Subcommand, Clone)]
pub enum TaxCommand {
    /// Saez bracket rates from an income sample with the AI Economist's binned estimator.
    Saez(SaezArgs),
    /// The planner's optimal bracket rates (and optionally cutoffs) in general equilibrium.
    Optimize(OptimizeArgs),
    /// The optimal nonlinear (Mirrlees) schedule on a skill grid (Diamond's ABC formula).
    Mirrlees(MirrleesArgs),
    /// Free market, US federal, Saez and the optimal schedule side by side on one economy
    /// (default: the embedded US CPS sample), with figures.
    Compare(CompareArgs),
    /// One schedule (free market, US federal, Saez or custom rates) in general equilibrium:
    /// transfer, welfare, inequality and productivity.
    Evaluate(EvaluateArgs),
    /// How the optimal brackets move with the labour elasticity, the SWF's parameter and the
    /// skill distribution's: exact derivatives by the implicit function theorem at the
    /// optimum (with --out, a heatmap and the tables).
    Sensitivity(Box<OptimizeArgs>),
    /// Bands around the optimal brackets from the parameters' uncertainty: each draw
    /// re-optimised from its first-order prediction, beside the delta-method bands.
    Uncertainty(Box<TaxUncertaintyArgs>),
    /// The AI Economist's dynamic Gather-Trade-Build world.
    Gtb(GtbArgs),
}

/// How parameters are drawn for uncertainty bands: exactly one of --se-rel, --covariance,
/// --draws-file.
#[derive(Debug, Args, Clone)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["se_rel", "covariance", "draws_file"])))]
pub struct ParameterDrawArgs {
    /// Number of normal draws (with --se-rel or --covariance).
    #[arg(long, default_value_t = 100)]
    pub draws: usize,
    /// Seed of the normal draws (a draw depends only on the seed and its number).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Independent normal draws with standard error X times each parameter.
    #[arg(long, value_name = "X")]
    pub se_rel: Option<f64>,
    /// Normal draws with this covariance (`parameter,<name>,...`); parameters it does not
    /// name stay at their values.
    #[arg(long, value_name = "FILE")]
    pub covariance: Option<PathBuf>,
    /// The draws in this file: one column per parameter named, one row per draw.
    #[arg(long, value_name = "FILE")]
    pub draws_file: Option<PathBuf>,
}

/// `walras tax uncertainty`.
#[derive(Debug, Args, Clone)]
pub struct TaxUncertaintyArgs {
    /// The economy and the planner (the flags of `walras tax optimize`).
    #[command(flatten)]
    pub optimize: OptimizeArgs,
    /// How the parameters are drawn.
    #[command(flatten)]
    pub source: ParameterDrawArgs,
}

/// `walras tax gtb`.
#[derive(Debug, Args, Clone)]
pub struct GtbArgs {
    /// What to run.
    #[command(subcommand)]
    pub command: GtbCommand,
}

/// Subcommands of `walras tax gtb`.
#[derive(Debug, Subcommand, Clone)]
pub enum GtbCommand {
    /// Replay recorded actions from a seed and print the state after reset and after every
    /// step, one JSON object per line (with --rng numpy-legacy, the reference's states).
    Replay(GtbReplayArgs),
    /// Whole episodes under a policy, in parallel: what was gathered, built and traded, and
    /// how coin ends up distributed (means with 95% intervals), and the speed.
    Simulate(GtbSimulateArgs),
    /// The agents' approximate equilibrium under one tax schedule: best-response dynamics of
    /// parametrised strategies (evolution strategies on common random numbers), outcomes with
    /// 95% intervals, each agent's remaining gain from deviating, and roles.
    Equilibrium(GtbEquilibriumArgs),
    /// The seven bracket rates that maximise equality x productivity, the agents
    /// re-equilibrating for every candidate schedule (coordinate search from US federal).
    Optimize(GtbGameArgs),
    /// Free market, US federal, Saez and the optimised rates side by side, each with its
    /// agents in approximate equilibrium, on the same episodes.
    Compare(GtbGameArgs),
}

/// `walras tax gtb equilibrium`.
#[derive(Debug, Args, Clone)]
pub struct GtbEquilibriumArgs {
    /// Who sets the tax rates: none (free market), us-federal, saez (the reference's
    /// in-environment estimator, adapting to the agents) or planner (--rates).
    #[arg(long, default_value = "us-federal")]
    pub tax: String,
    /// The planner's seven rates with --tax planner, multiples of 0.05 in [0, 1]: e.g.
    /// 0.1,0.1,0.2,0.25,0.3,0.35,0.35.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub rates: Option<Vec<f64>>,
    /// The game.
    #[command(flatten)]
    pub game: GtbGameArgs,
}

/// How agents learn in `walras tax gtb equilibrium | optimize | compare`, and the world.
#[derive(Debug, Args, Clone)]
pub struct GtbGameArgs {
    /// Seed of everything random (the same seed gives the same numbers).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Random numbers of the world: fast or numpy-legacy.
    #[arg(long, default_value = "fast")]
    pub rng: String,
    /// Fresh episodes for each outcome's and each deviation's 95% interval.
    #[arg(long, default_value_t = 200)]
    pub episodes: usize,
    /// Most rounds of best-response dynamics (each agent best-responds once per round).
    #[arg(long, default_value_t = 8)]
    pub rounds: usize,
    /// Evolution-strategy iterations per best response (twice as many for deviations).
    #[arg(long, default_value_t = 20)]
    pub iterations: usize,
    /// Antithetic pairs of perturbations per iteration (two episodes each).
    #[arg(long, default_value_t = 8)]
    pub pairs: usize,
    /// Episodes on which every candidate schedule is scored (optimize, compare).
    #[arg(long, default_value_t = 64)]
    pub objective_episodes: usize,
    /// Steps per episode.
    #[arg(long, default_value_t = 1000)]
    pub episode_length: usize,
    /// Map file in the reference's format; default: the quadrant map.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Skills drawn from the reference's Pareto distributions and places at random, anew in
    /// every episode (default: its four fixed skills in the four corners).
    #[arg(long)]
    pub random_skills: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `walras tax gtb simulate`.
#[derive(Debug, Args, Clone)]
pub struct GtbSimulateArgs {
    /// The agents' policy: random (uniform over the actions the masks allow; a planner picks
    /// random rates) or scripted (build when possible, gather the missing good, offer
    /// surpluses now and then; a planner keeps its rates).
    #[arg(long, default_value = "random")]
    pub policy: String,
    /// Episodes (episode k uses seed + k).
    #[arg(long, default_value_t = 10)]
    pub episodes: usize,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The world.
    #[command(flatten)]
    pub world: GtbWorldArgs,
}

/// The world of a `walras tax gtb` command.
#[derive(Debug, Args, Clone)]
pub struct GtbWorldArgs {
    /// Who sets the tax rates: none (free market), us-federal, saez (the reference's
    /// in-environment estimator) or planner.
    #[arg(long, default_value = "us-federal")]
    pub tax: String,
    /// Random numbers: numpy-legacy (numpy's RandomState, bit for bit) or fast.
    #[arg(long, default_value = "numpy-legacy")]
    pub rng: String,
    /// Seed (numpy-legacy: 0..2^32, as np.random.seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Steps per episode.
    #[arg(long, default_value_t = 1000)]
    pub episode_length: usize,
    /// Map file in the reference's format (rows separated by `;`: W wood, S stone, @ water);
    /// default: the quadrant map.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Skills drawn from the reference's Pareto distributions and places at random, anew in
    /// every episode (default: its four fixed skills in the four corners).
    #[arg(long)]
    pub random_skills: bool,
}

/// `walras tax gtb replay`.
#[derive(Debug, Args, Clone)]
pub struct GtbReplayArgs {
    /// JSON: {"agents": [[a_1, ..., a_N], ...one list per step], "planner": [[r_1, ..., r_7],
    /// ...]} with flat agent actions 0..49 and planner sub-actions 0..21 (planner only with
    /// --tax planner); steps run through episodes back to back.
    #[arg(long, value_name = "FILE")]
    pub actions: PathBuf,
    /// Also print the action masks: `agent_masks` (50 per agent, for the next step) and
    /// `planner_mask`.
    #[arg(long)]
    pub masks: bool,
    /// Also print what each agent and the planner observe (`observations`: per agent `flat`,
    /// `map` and `idx_map`; the planner's, and its entries about each agent), as the
    /// reference's float32 values.
    #[arg(long)]
    pub observations: bool,
    /// The world.
    #[command(flatten)]
    pub world: GtbWorldArgs,
}

/// The economy in which `tax compare` and `tax evaluate` evaluate schedules.
#[derive(Debug, Args, Clone)]
pub struct ScheduleEconomyArgs {
    /// Skills: cps (default: the embedded earnings sample, inverted under US 2018), an income
    /// file, or a parametric distribution (pareto:.., lognormal:.., lognormal-pareto:..).
    #[arg(long, default_value = "cps")]
    pub skills: String,
    /// Labour elasticity e in [0.001, 10] (quasi-linear utility); also the Saez formula's elasticity.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub elasticity: f64,
    /// The planner's social welfare function (as for `optimize`).
    #[arg(long, default_value = "inverse-income")]
    pub swf: String,
    /// Bracket cutoffs shared by all schedules: us-federal-2018 (USD, default), aie-us-federal
    /// (thousands of USD), or a file (in the incomes' unit).
    #[arg(long, default_value = "us-federal-2018")]
    pub cutoffs: String,
    /// Agents for a parametric skill distribution.
    #[arg(long, default_value_t = 10_000)]
    pub agents: usize,
    /// Unit of the incomes in an income file: usd or thousand-usd. Default: the unit of the
    /// cutoffs in use (usd for us-federal-2018, thousand-usd for aie-us-federal; usd for a
    /// cutoff file, whose cutoffs are taken in the incomes' unit). The embedded CPS sample is
    /// in usd. Incomes are converted to the cutoffs' unit; a scale implausible for the cutoffs
    /// is refused (see docs/tax.md).
    #[arg(long, value_name = "UNIT", value_parser = ["usd", "thousand-usd"])]
    pub income_units: Option<String>,
}

/// `walras tax compare`.
#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// The economy.
    #[command(flatten)]
    pub economy: ScheduleEconomyArgs,
    /// Highest allowed marginal rate for the optimum.
    #[arg(long, default_value_t = 0.99, allow_negative_numbers = true)]
    pub rate_max: f64,
}

/// `walras tax evaluate`.
#[derive(Debug, Args, Clone)]
pub struct EvaluateArgs {
    /// The schedule: free-market, us-federal (2018 rates) or saez (the AI Economist's binned
    /// estimator on the economy's incomes).
    #[arg(long, default_value = "us-federal", conflicts_with = "rates")]
    pub schedule: String,
    /// Custom marginal rates, one per bracket of --cutoffs, as fractions: e.g.
    /// 0.1,0.12,0.22,0.24,0.32,0.35,0.37.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub rates: Option<Vec<f64>>,
    /// The economy.
    #[command(flatten)]
    pub economy: ScheduleEconomyArgs,
    /// Highest rate the Saez estimator may set.
    #[arg(long, default_value_t = 0.99, allow_negative_numbers = true)]
    pub rate_max: f64,
}

/// `walras tax saez`.
#[derive(Debug, Args, Clone)]
pub struct SaezArgs {
    /// Incomes: CSV (optionally .gz) or Parquet with a column `income` (and optionally
    /// `weight`). Default: the embedded US CPS sample (USD, single filers, weighted).
    #[arg(long, value_name = "FILE")]
    pub incomes: Option<PathBuf>,
    /// Labour (income) elasticity e in [0.001, 10].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub elasticity: f64,
    /// Social welfare weights: inverse-income (1/max(1, z)) or uniform.
    #[arg(long, default_value = "inverse-income")]
    pub weights: String,
    /// Bracket cutoffs: aie-us-federal (2019 thresholds / 1000, the AI Economist's: thousands of
    /// USD), us-federal-2018 (USD), or a file with a column `cutoff` (in the incomes' unit).
    #[arg(long, default_value = "us-federal-2018")]
    pub cutoffs: String,
    /// Lowest allowed rate.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub rate_min: f64,
    /// Highest allowed rate.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub rate_max: f64,
    /// binned: the AI Economist's estimator (reproduces its numbers); smooth: kernel density
    /// and exact G from the sample, for real data.
    #[arg(long, default_value = "binned", value_parser = ["binned", "smooth"])]
    pub estimator: String,
    /// Unit of the incomes in an income file: usd or thousand-usd. Default: the unit of the
    /// cutoffs in use (usd for us-federal-2018, thousand-usd for aie-us-federal; usd for a
    /// cutoff file, whose cutoffs are taken in the incomes' unit). The embedded CPS sample is
    /// in usd. Incomes are converted to the cutoffs' unit; a scale implausible for the cutoffs
    /// is refused (see docs/tax.md).
    #[arg(long, value_name = "UNIT", value_parser = ["usd", "thousand-usd"])]
    pub income_units: Option<String>,
}

/// `walras tax optimize`.
#[derive(Debug, Args, Clone)]
pub struct OptimizeArgs {
    /// Skills: pareto:alpha=..,min=.. | lognormal:mu=..,sigma=.. | lognormal-pareto:mu=..,sigma=..,alpha=..,tail=..
    /// | aie:agents=..,seed=.. (the AI Economist's one-step skills) | cps (the embedded earnings
    /// sample, skills inverted under US 2018) | a file with a column `income` (and optionally
    /// `weight`), inverted likewise.
    #[arg(long, default_value = "pareto:alpha=4,min=1")]
    pub skills: String,
    /// Labour elasticity e in [0.001, 10] (quasi-linear utility).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub elasticity: f64,
    /// Social welfare function: utilitarian, inverse-income, eq-times-prod, rawls, log,
    /// atkinson:eps=.., power:k=...
    #[arg(long, default_value = "inverse-income")]
    pub swf: String,
    /// Number of brackets, with cutoffs at laissez-faire income quantiles (ignored with --cutoffs).
    #[arg(long, default_value_t = 7)]
    pub brackets: usize,
    /// Explicit cutoffs: aie-us-federal (thousands of USD), us-federal-2018 (USD), or a file
    /// with a column `cutoff` (in the incomes' unit).
    #[arg(long)]
    pub cutoffs: Option<String>,
    /// Number of agents drawn from a parametric skill distribution (quantile grid).
    #[arg(long, default_value_t = 10_000)]
    pub agents: usize,
    /// Let the planner choose the cutoffs too.
    #[arg(long)]
    pub optimize_cutoffs: bool,
    /// Highest allowed marginal rate, in (0, 1].
    #[arg(long, default_value_t = 0.99, allow_negative_numbers = true)]
    pub rate_max: f64,
    /// Agents' utility: ql (quasi-linear, elasticity from --elasticity),
    /// coin-minus-labor:kappa=..,power=.. or isoelastic:eta=..,kappa=.. (the AI Economist's).
    #[arg(long, default_value = "ql")]
    pub utility: String,
    /// Restrict labour to whole hours MIN,MAX (the AI Economist's one-step economy: 1,100);
    /// MAX must be at least 1.
    #[arg(long, value_delimiter = ',')]
    pub hours: Option<Vec<u32>>,
    /// Unit of the incomes in an income file: usd or thousand-usd. Default: the unit of the
    /// cutoffs in use (usd for us-federal-2018, thousand-usd for aie-us-federal; usd for a
    /// cutoff file, whose cutoffs are taken in the incomes' unit). The embedded CPS sample is
    /// in usd. Incomes are converted to the cutoffs' unit; a scale implausible for the cutoffs
    /// is refused (see docs/tax.md).
    #[arg(long, value_name = "UNIT", value_parser = ["usd", "thousand-usd"])]
    pub income_units: Option<String>,
}

/// `walras tax mirrlees`.
#[derive(Debug, Args, Clone)]
pub struct MirrleesArgs {
    /// Skill distribution (parametric, as for `optimize`).
    #[arg(long, default_value = "lognormal:mu=0,sigma=0.5")]
    pub skills: String,
    /// Quantiles at which the skill distribution is truncated: LOW,HIGH.
    #[arg(long, default_value = "0.001,0.999", value_delimiter = ',')]
    pub truncate: Vec<f64>,
    /// Labour elasticity e in [0.001, 10].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub elasticity: f64,
    /// Social welfare function: utilitarian, log, atkinson:eps=.., power:k=.., rawls, inverse-income.
    #[arg(long, default_value = "log")]
    pub swf: String,
    /// Number of skill grid points.
    #[arg(long, default_value_t = 400)]
    pub grid: usize,
}

/// `walras trade`.
#[derive(Debug, Args, Clone)]
pub struct TradeArgs {
    /// What to compute.
    #[command(subcommand)]
    pub command: TradeCommand,
}

/// Subcommands of `walras trade`.
#[derive(Debug, Subcommand, Clone)]
pub enum TradeCommand {
    /// The Nash equilibrium of all governments' policies (tariff war, or dual competition with
    /// --instruments tariffs,subsidies).
    Nash(TradeGameArgs),
    /// A country's unilateral optimal policy, others at the baseline.
    Optimal(OptimalArgs),
    /// The cooperative optimum: all policies chosen to maximise world welfare.
    Cooperate(TradeGameArgs),
    /// The equilibrium after a tariff change given as a tidy tariffs table.
    Counterfactual(CounterfactualArgs),
    /// Convert a raw dataset (dlopt_7x44_2017 or cp2015_31x40_1993) into the tidy layout.
    Import(ImportArgs),
    /// Trade elasticities by sector from bilateral flows and tariffs (Caliendo and Parro's
    /// triple difference, robust standard errors) beside the data's own; with --out, the
    /// covariance file the uncertainty commands read.
    EstimateElasticities(EstimateArgs),
    /// Tariff war, dual competition (tariffs + subsidies) and cooperation side by side:
    /// welfare and mean tariffs by country, with a figure.
    Compare(TradeCompareArgs),
    /// How the Nash, optimal or cooperative policies and welfare move with the elasticities:
    /// exact derivatives by the implicit function theorem at the solution (with --out, a
    /// heatmap and the tables).
    Sensitivity(Box<SensitivityArgs>),
    /// Bands around the Nash war (or an optimum) from the elasticities' uncertainty: each draw
    /// re-solved from its first-order prediction, beside the delta-method bands.
    Uncertainty(Box<UncertaintyArgs>),
}

/// `walras trade uncertainty`: exactly one of --se-rel, --covariance, --draws-file,
/// --elasticity-sets.
#[derive(Debug, Args, Clone)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["se_rel", "covariance", "draws_file", "elasticity_sets"])))]
pub struct UncertaintyArgs {
    /// The war and how to solve it (the flags of `walras trade nash`).
    #[command(flatten)]
    pub game: TradeGameArgs,
    /// Number of normal draws (with --se-rel or --covariance).
    #[arg(long, default_value_t = 100)]
    pub draws: usize,
    /// Seed of the normal draws (a draw depends only on the seed and its number).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Independent normal draws with standard error X times each elasticity.
    #[arg(long, value_name = "X")]
    pub se_rel: Option<f64>,
    /// Normal draws with this covariance (`parameter,<name>,...`, e.g. the
    /// elasticity_covariance.csv of `walras trade estimate-elasticities --out`); parameters it
    /// does not name stay at their values.
    #[arg(long, value_name = "FILE")]
    pub covariance: Option<PathBuf>,
    /// The draws in this file: one column per parameter (`theta:<sector>`, `psi:<sector>`),
    /// one row per draw.
    #[arg(long, value_name = "FILE")]
    pub draws_file: Option<PathBuf>,
    /// One draw per theta set of the data's elasticity_sets table.
    #[arg(long)]
    pub elasticity_sets: bool,
    /// The policy to put bands around: nash (the war), optimal (one government's; needs
    /// --country) or cooperate (world welfare).
    #[arg(long, default_value = "nash", value_parser = ["nash", "optimal", "cooperate"])]
    pub exercise: String,
    /// The government of --exercise optimal.
    #[arg(long)]
    pub country: Option<String>,
}

/// `walras trade sensitivity`.
#[derive(Debug, Args, Clone)]
pub struct SensitivityArgs {
    /// The exercise and how to solve it (the flags of `walras trade nash`).
    #[command(flatten)]
    pub game: TradeGameArgs,
    /// The policy to differentiate: nash (every government's), optimal (one government's,
    /// the others at the baseline; needs --country) or cooperate (world welfare).
    #[arg(long, default_value = "nash", value_parser = ["nash", "optimal", "cooperate"])]
    pub exercise: String,
    /// The government of --exercise optimal.
    #[arg(long)]
    pub country: Option<String>,
}

/// `walras trade compare`.
#[derive(Debug, Args, Clone)]
pub struct TradeCompareArgs {
    /// The economy.
    #[command(flatten)]
    pub economy: EconomyArgs,
    /// How finely tariffs are set: uniform, partner, sector, partner-sector.
    #[arg(long, default_value = "partner-sector")]
    pub tariff_structure: String,
    /// Convergence tolerance of the games and the cooperative optimum (at most 1e-6).
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
}

/// The economy: data, elasticities, baseline.
#[derive(Debug, Args, Clone)]
pub struct EconomyArgs {
    /// Directory in the tidy layout (data/trade/LAYOUT.md); default: the embedded synthetic
    /// example (3 countries, 4 sectors, IO links, scale economies).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Use the theta set NAME from the directory's elasticity_sets table (e.g. CP, IS, U4).
    #[arg(long, value_name = "NAME")]
    pub elasticities: Option<String>,
    /// Keep the data's trade deficits (default: purge them first and re-base on balanced
    /// trade, as Dekle-Eaton-Kortum and Lashkaripour (2021) do).
    #[arg(long)]
    pub keep_deficits: bool,
    /// Final-demand shares: from the data's `final` table if present (table), or implied by
    /// the flows (implied).
    #[arg(long, default_value = "table", value_parser = ["table", "implied"])]
    pub final_shares: String,
    /// Inner solver tolerance (max-norm of the scaled equilibrium residual; in [1e-14, 1e-6]).
    #[arg(long, default_value_t = 1e-10)]
    pub solver_tol: f64,
    /// The unit of the tariff tables read (the data's `tariffs` table and `--tariffs`):
    /// fraction (0.05 is 5%) or percent (5 is 5%).
    #[arg(long, default_value = "fraction", value_name = "UNIT")]
    pub tariff_units: walras_data::trade::TariffUnits,
}

/// Instruments and their structure.
#[derive(Debug, Args, Clone)]
pub struct InstrumentArgs {
    /// Comma-separated: tariffs, subsidies, export-taxes. With tariffs and export taxes, each
    /// country's last export-tax group stays at the baseline (Lerner symmetry: only tariffs
    /// relative to export taxes are determined); with subsidies by sector, each country's
    /// subsidy in its last sector stays at the baseline too (only relative subsidies matter).
    #[arg(long, default_value = "tariffs")]
    pub instruments: String,
    /// How finely tariffs (and export taxes) are set: uniform, partner, sector, partner-sector.
    #[arg(long, default_value = "partner-sector")]
    pub tariff_structure: String,
    /// Tariff bounds lower,upper (fractions).
    #[arg(long, value_delimiter = ',', default_values_t = [0.0, 5.0], allow_negative_numbers = true)]
    pub tariff_bounds: Vec<f64>,
    /// Production-subsidy bounds lower,upper (fractions; producer price = consumer price x (1 + s)).
    #[arg(long, value_delimiter = ',', default_values_t = [-0.5, 2.0], allow_negative_numbers = true)]
    pub subsidy_bounds: Vec<f64>,
}

/// `walras trade nash` and `walras trade cooperate`.
#[derive(Debug, Args, Clone)]
pub struct TradeGameArgs {
    /// The economy.
    #[command(flatten)]
    pub economy: EconomyArgs,
    /// The instruments.
    #[command(flatten)]
    pub instruments: InstrumentArgs,
    /// Nash: auto (stacked first-order conditions for games of up to 100 instruments; for
    /// larger games, or if they fail, best responses until the conditions hold to 5e-2 and the
    /// stacked conditions from there), stacked, best-response or best-response-then-stacked.
    #[arg(long, default_value = "auto")]
    pub method: String,
    /// Best responses: jacobi (all respond to last round, in parallel) or gauss-seidel (in
    /// turn, each to the latest policies).
    #[arg(long, default_value = "jacobi", value_parser = ["jacobi", "gauss-seidel"])]
    pub schedule: String,
    /// Best responses: each round moves this fraction of the way to the responses, in (0, 1]
    /// (1: undamped). Damped Jacobi rounds run the governments in parallel and overshoot less:
    /// on the dlopt partner x sector dual competition 20 s, against 75 s undamped. (0.7 is
    /// the value that converged on every dlopt game measured; 0.5 and 0.6 each failed some.)
    #[arg(long, default_value_t = 0.7, allow_negative_numbers = true)]
    pub damping: f64,
    /// Convergence tolerance (Nash: natural residual of the first-order conditions, at most
    /// 1e-6; cooperate: projected gradient, at most 1e-5).
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// Cooperate: aggregate sum of log welfare (sum-of-logs) or the sum of welfare (sum).
    #[arg(long, default_value = "sum-of-logs", value_parser = ["sum-of-logs", "sum"])]
    pub aggregation: String,
    /// Start from the policies in this table (a `policies.csv` from an earlier `--out`, same
    /// instruments and structure) instead of the baseline; unlisted instruments start at the
    /// baseline.
    #[arg(long, value_name = "FILE")]
    pub start: Option<std::path::PathBuf>,
    /// Nash: also check every government's second-order conditions at the equilibrium (the
    /// eigenvalues of its own welfare Hessian over its interior instruments, by central
    /// differences of exact gradients), reported as `second_order` in the JSON, with a warning
    /// if welfare is locally convex somewhere. Costs about 7 s on the 7 x 44 data with 1,225
    /// instruments, 0.15 s on WIOD's uniform war.
    #[arg(long)]
    pub second_order: bool,
}

/// `walras trade optimal`.
#[derive(Debug, Args, Clone)]
pub struct OptimalArgs {
    /// The economy.
    #[command(flatten)]
    pub economy: EconomyArgs,
    /// The instruments.
    #[command(flatten)]
    pub instruments: InstrumentArgs,
    /// The country whose policy is optimised.
    #[arg(long)]
    pub country: String,
    /// Projected-gradient tolerance (at most 1e-5).
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
}

/// `walras trade counterfactual`.
#[derive(Debug, Args, Clone)]
pub struct CounterfactualArgs {
    /// The economy.
    #[command(flatten)]
    pub economy: EconomyArgs,
    /// New tariffs in the tidy layout (exporter, importer, sector, tariff); listed flows
    /// change, all others stay at the baseline.
    #[arg(long, value_name = "FILE")]
    pub tariffs: PathBuf,
}

/// `walras trade estimate-elasticities`.
#[derive(Debug, Args, Clone)]
pub struct EstimateArgs {
    /// The raw layout: cp2015 (cp2015_31x40_1993: 1993 imports and tariffs, their theta).
    #[arg(long, default_value = "cp2015")]
    pub layout: String,
    /// The raw dataset's directory (e.g. data/trade/cp2015).
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Fraction of each sector's country triples left out, those with the smallest flows
    /// (e.g. 0.005 or 0.025 for samples without the 0.5% or 2.5% smallest).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub trim: f64,
}

/// `walras trade import`.
#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// The raw layout: dlopt (dlopt_7x44_2017) or cp2015 (cp2015_31x40_1993).
    #[arg(long)]
    pub layout: String,
    /// The raw dataset's directory.
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Where to write the tidy tables.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
}

/// `walras sweep`.
#[derive(Debug, Args, Clone)]
pub struct BatchSweepArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SweepCommand,
}

/// Subcommands of `walras sweep`.
#[derive(Debug, Subcommand, Clone)]
pub enum SweepCommand {
    /// Run the sweep here (all shards in parallel, then merge), or one shard (--shard K, what
    /// each task of a job array runs); needs --out DIR.
    Run(SweepRunArgs),
    /// Write the sbatch script into --out DIR and submit the shards as a Slurm job array.
    Submit(SweepSubmitArgs),
    /// Combine the shards of a sweep folder into results.parquet and results.csv, naming
    /// missing, duplicated and foreign shards.
    Merge(SweepDirArgs),
    /// Run again only the shards a sweep folder lacks: as a job array, or here with --local.
    Resume(SweepResumeArgs),
}

/// `walras sweep run`.
#[derive(Debug, Args, Clone)]
pub struct SweepRunArgs {
    /// The sweep definition (TOML; see examples/tax_elasticity_sweep.toml).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Run only this shard (0-based) and write its file.
    #[arg(long)]
    pub shard: Option<usize>,
    /// Points run at once (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `walras sweep submit`.
#[derive(Debug, Args, Clone)]
pub struct SweepSubmitArgs {
    /// The sweep definition (TOML).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Wait for the job array to end (sbatch --wait), then merge.
    #[arg(long)]
    pub wait: bool,
}

/// A sweep folder.
#[derive(Debug, Args, Clone)]
pub struct SweepDirArgs {
    /// The folder `run` or `submit` wrote (--out).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `walras sweep resume`.
#[derive(Debug, Args, Clone)]
pub struct SweepResumeArgs {
    /// The folder `run` or `submit` wrote.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Run the missing shards here instead of submitting them.
    #[arg(long)]
    pub local: bool,
    /// Wait for the job array to end, then merge.
    #[arg(long)]
    pub wait: bool,
    /// Points run at once with --local (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}
