//! The continuous double auction for wood and stone: integer prices, orders that live for a
//! fixed number of steps, best bid against cheapest ask, the older order's price.

use crate::world::Agent;

/// The traded goods, in the reference's (sorted) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Good {
    /// Stone (index 0).
    Stone,
    /// Wood (index 1).
    Wood,
}

impl Good {
    /// Stone then wood.
    pub const ALL: [Good; 2] = [Good::Stone, Good::Wood];

    /// Index in [`Good::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// An open order: who placed it, at what price, and how many steps it has lived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    /// The agent.
    pub agent: usize,
    /// Price in coin.
    pub price: usize,
    /// Steps since it was placed.
    pub lifetime: usize,
}

/// One executed trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trade {
    /// The good.
    pub good: Good,
    /// Buyer and seller.
    pub buyer: usize,
    /// The seller.
    pub seller: usize,
    /// Price paid.
    pub price: usize,
}

/// The order books and the per-agent statistics the observations show.
#[derive(Clone, Debug)]
pub struct Market {
    /// Bids by good.
    pub bids: [Vec<Order>; 2],
    /// Asks by good.
    pub asks: [Vec<Order>; 2],
    /// Open orders per good and agent.
    pub n_orders: [Vec<usize>; 2],
    /// Open bids per good, agent and price.
    pub bid_hists: [Vec<Vec<f64>>; 2],
    /// Open asks per good, agent and price.
    pub ask_hists: [Vec<Vec<f64>>; 2],
    /// Decaying counts of sales per good, seller and price.
    pub price_history: [Vec<Vec<f64>>; 2],
    /// Trades of the last step.
    pub trades: Vec<Trade>,
    max_price: usize,
    max_orders: usize,
    duration: usize,
    order_labor: f64,
}

impl Market {
    /// Empty books for `n` agents.
    pub fn new(
        n: usize,
        max_price: usize,
        max_orders: usize,
        duration: usize,
        order_labor: f64,
    ) -> Self {
        let hists = || {
            [
                vec![vec![0.0; max_price + 1]; n],
                vec![vec![0.0; max_price + 1]; n],
            ]
        };
        Market {
            bids: [Vec::new(), Vec::new()],
            asks: [Vec::new(), Vec::new()],
            n_orders: [vec![0; n], vec![0; n]],
            bid_hists: hists(),
            ask_hists: hists(),
            price_history: hists(),
            trades: Vec::new(),
            max_price,
            max_orders,
            duration,
            order_labor,
        }
    }

    /// Highest price.
    pub fn max_price(&self) -> usize {
        self.max_price
    }

    /// Whether `agent` may place another order for `good`.
    pub fn has_room(&self, good: Good, agent: usize) -> bool {
        self.n_orders[good.index()][agent] < self.max_orders
    }

    /// Decay the price history (every step, before orders).
    pub fn decay(&mut self, good: Good, agent: usize) {
        for v in &mut self.price_history[good.index()][agent] {
            *v *= 0.995;
        }
    }

    /// A bid at `price`: needs room and the coin in the inventory, which goes to escrow.
    pub fn bid(&mut self, good: Good, i: usize, price: usize, agent: &mut Agent) {
        let g = good.index();
        if !self.has_room(good, i) || agent.coin < price as f64 {
            return;
        }
        self.bids[g].push(Order {
            agent: i,
            price,
            lifetime: 0,
        });
        self.bid_hists[g][i][price] += 1.0;
        self.n_orders[g][i] += 1;
        let moved = agent.coin.min(price as f64);
        agent.coin -= moved;
        agent.escrow_coin += moved;
        agent.labor += self.order_labor;
    }

    /// An ask at `price`: needs room and a unit of the good, which goes to escrow.
    pub fn ask(&mut self, good: Good, i: usize, price: usize, agent: &mut Agent) {
        let g = good.index();
        if !self.has_room(good, i) || agent.goods[g] <= 0.0 {
            return;
        }
        self.asks[g].push(Order {
            agent: i,
            price,
            lifetime: 0,
        });
        self.ask_hists[g][i][price] += 1.0;
        self.n_orders[g][i] += 1;
        let moved = agent.goods[g].min(1.0);
        agent.goods[g] -= moved;
        agent.escrow_goods[g] += moved;
        agent.labor += self.order_labor;
    }

    /// Match the books of every good, then age the orders and refund the expired ones.
    pub fn clear(&mut self, agents: &mut [Agent]) {
        self.trades.clear();
        for good in Good::ALL {
            self.match_orders(good, agents);
        }
        for good in Good::ALL {
            self.expire(good, agents);
        }
    }

    fn match_orders(&mut self, good: Good, agents: &mut [Agent]) {
        let g = good.index();
        let mut bids = std::mem::take(&mut self.bids[g]);
        let mut asks = std::mem::take(&mut self.asks[g]);
        // Stable sorts: best bid first (ties: older), cheapest ask first (ties: older).
        bids.sort_by_key(|b| std::cmp::Reverse((b.price, b.lifetime)));
        asks.sort_by(|a, b| a.price.cmp(&b.price).then(b.lifetime.cmp(&a.lifetime)));
        let mut possible = vec![true; agents.len()];
        let mut keep = true;
        while keep && possible.iter().any(|&p| p) {
            let (mut ib, mut ia) = (0, 0);
            loop {
                let Some(bid) = bids.get(ib) else {
                    keep = false;
                    break;
                };
                if !possible[bid.agent] {
                    ib += 1;
                    continue;
                }
                let Some(ask) = asks.get(ia) else {
                    possible[bid.agent] = false;
                    break;
                };
                if ask.agent == bid.agent {
                    ia += 1;
                    continue;
                }
                if bid.price < ask.price {
                    possible[bid.agent] = false;
                    break;
                }
                let (bid, ask) = (bids.remove(ib), asks.remove(ia));
                self.trade(good, bid, ask, agents);
                break;
            }
        }
        self.bids[g] = bids;
        self.asks[g] = asks;
    }

    fn trade(&mut self, good: Good, bid: Order, ask: Order, agents: &mut [Agent]) {
        let g = good.index();
        // The older order sets the price; equal ages: the ask's.
        let price = if bid.lifetime <= ask.lifetime {
            ask.price
        } else {
            bid.price
        };
        let (buyer, seller) = (bid.agent, ask.agent);
        self.bid_hists[g][buyer][bid.price] -= 1.0;
        self.ask_hists[g][seller][ask.price] -= 1.0;
        self.n_orders[g][seller] -= 1;
        self.n_orders[g][buyer] -= 1;
        self.price_history[g][seller][price] += 1.0;
        agents[seller].escrow_goods[g] -= 1.0;
        agents[buyer].goods[g] += 1.0;
        agents[buyer].escrow_coin -= bid.price as f64;
        agents[seller].coin += price as f64;
        agents[buyer].coin += (bid.price - price) as f64;
        self.trades.push(Trade {
            good,
            buyer,
            seller,
            price,
        });
    }

    fn expire(&mut self, good: Good, agents: &mut [Agent]) {
        let g = good.index();
        let duration = self.duration;
        let mut bids = std::mem::take(&mut self.bids[g]);
        bids.retain_mut(|bid| {
            bid.lifetime += 1;
            if bid.lifetime <= duration {
                return true;
            }
            let a = &mut agents[bid.agent];
            let moved = a.escrow_coin.min(bid.price as f64);
            a.escrow_coin -= moved;
            a.coin += moved;
            self.bid_hists[g][bid.agent][bid.price] -= 1.0;
            self.n_orders[g][bid.agent] -= 1;
            false
        });
        let mut asks = std::mem::take(&mut self.asks[g]);
        asks.retain_mut(|ask| {
            ask.lifetime += 1;
            if ask.lifetime <= duration {
                return true;
            }
            let a = &mut agents[ask.agent];
            let moved = a.escrow_goods[g].min(1.0);
            a.escrow_goods[g] -= moved;
            a.goods[g] += moved;
            self.ask_hists[g][ask.agent][ask.price] -= 1.0;
            self.n_orders[g][ask.agent] -= 1;
            false
        });
        self.bids[g] = bids;
        self.asks[g] = asks;
    }
}
