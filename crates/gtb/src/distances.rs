//! Walking distances between tiles around the water (breadth-first search from every tile).

use std::collections::VecDeque;

use crate::layout::Layout;

/// Steps between every pair of tiles, around water; `UNREACHABLE` across it.
#[derive(Clone, Debug)]
pub struct Distances {
    cells: usize,
    steps: Vec<u16>,
}

/// The distance between tiles that no walk connects.
pub const UNREACHABLE: u16 = u16::MAX;

impl Distances {
    /// The distances on `layout`.
    pub fn of(layout: &Layout) -> Distances {
        let (h, w) = (layout.height, layout.width);
        let cells = h * w;
        let mut steps = vec![UNREACHABLE; cells * cells];
        let mut queue = VecDeque::with_capacity(cells);
        for from in 0..cells {
            if layout.water[from] {
                continue;
            }
            let row = &mut steps[from * cells..(from + 1) * cells];
            row[from] = 0;
            queue.clear();
            queue.push_back(from);
            while let Some(cell) = queue.pop_front() {
                let (r, c) = (cell / w, cell % w);
                let next = row[cell] + 1;
                let mut visit = |n: usize| {
                    if !layout.water[n] && row[n] == UNREACHABLE {
                        row[n] = next;
                        queue.push_back(n);
                    }
                };
                if c > 0 {
                    visit(cell - 1);
                }
                if c + 1 < w {
                    visit(cell + 1);
                }
                if r > 0 {
                    visit(cell - w);
                }
                if r + 1 < h {
                    visit(cell + w);
                }
            }
        }
        Distances { cells, steps }
    }

    /// Steps from tile `a` to tile `b`.
    pub fn between(&self, a: usize, b: usize) -> u16 {
        self.steps[a * self.cells + b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_walk_around_water_and_are_symmetric() {
        let layout = Layout::quadrant();
        let d = Distances::of(&layout);
        let w = layout.width;
        let cells = layout.height * w;
        // Without water in the way a walk is the Manhattan distance.
        assert_eq!(d.between(0, 0), 0);
        for a in (0..cells).step_by(37) {
            for b in (0..cells).step_by(41) {
                assert_eq!(d.between(a, b), d.between(b, a));
                if !layout.water[a] && !layout.water[b] && d.between(a, b) != UNREACHABLE {
                    let manhattan = (a / w).abs_diff(b / w) + (a % w).abs_diff(b % w);
                    assert!(d.between(a, b) as usize >= manhattan);
                }
            }
        }
        // The quadrant map's walls make some walks longer than the straight line.
        let longer = (0..cells)
            .filter(|&b| !layout.water[b] && d.between(0, b) != UNREACHABLE)
            .any(|b| d.between(0, b) as usize > b / w + b % w);
        assert!(longer);
    }
}
