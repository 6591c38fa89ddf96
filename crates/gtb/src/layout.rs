//! The map: wood and stone source tiles and water, read from the reference's text format (one
//! line, rows separated by `;`; `W` wood source, `S` stone source, `@` water, space empty).

use crate::GtbError;

/// The quadrant map of the AI Economist's GTB scenario (25 x 25, 20 wood and 20 stone sources
/// in clumps, water walls between the quadrants); BSD-3-Clause, see
/// `data/gtb/LICENSE-ai-economist.txt`.
pub const QUADRANT_MAP: &str = include_str!("../../../data/gtb/quadrant_25x25_20each_30clump.txt");

/// A map's fixed tiles.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Wood source tiles (flat index `r * width + c`), ascending.
    pub wood_sources: Vec<usize>,
    /// Stone source tiles, ascending.
    pub stone_sources: Vec<usize>,
    /// Water (impassable) by flat index.
    pub water: Vec<bool>,
}

impl Layout {
    /// The quadrant map.
    pub fn quadrant() -> Self {
        Layout::parse(QUADRANT_MAP, "the quadrant map").expect("the embedded map is valid")
    }

    /// Parse a map in the reference's format; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Self, GtbError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let mut rows: Vec<&str> = text.split(';').collect();
        if rows.last() == Some(&"") {
            rows.pop();
        }
        let bad = |row: Option<usize>, message: String| GtbError::Map {
            file: source.to_string(),
            row,
            message,
        };
        if rows.is_empty() {
            return Err(bad(None, "no rows (rows are separated by `;`)".into()));
        }
        let width = rows[0].chars().count();
        if width == 0 {
            return Err(bad(Some(0), "an empty row".into()));
        }
        let (height, cells) = (rows.len(), rows.len() * width);
        let mut layout = Layout {
            height,
            width,
            wood_sources: Vec::new(),
            stone_sources: Vec::new(),
            water: vec![false; cells],
        };
        for (r, row) in rows.iter().enumerate() {
            let n = row.chars().count();
            if n != width {
                return Err(bad(
                    Some(r),
                    format!("{n} tiles where the first row has {width}"),
                ));
            }
            for (c, ch) in row.chars().enumerate() {
                let i = r * width + c;
                match ch {
                    'W' => layout.wood_sources.push(i),
                    'S' => layout.stone_sources.push(i),
                    '@' => layout.water[i] = true,
                    ' ' => {}
                    other => {
                        return Err(bad(
                            Some(r),
                            format!(
                                "column {c}: unknown tile {other:?} (W wood, S stone, @ water, space empty)"
                            ),
                        ))
                    }
                }
            }
        }
        Ok(layout)
    }

    /// Tiles.
    pub fn cells(&self) -> usize {
        self.height * self.width
    }

    /// Tiles an agent may stand on at the start (no water; sources are allowed).
    pub fn free_tiles(&self) -> usize {
        self.water.iter().filter(|&&w| !w).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quadrant_map_has_the_published_tiles() {
        let l = Layout::quadrant();
        assert_eq!((l.height, l.width), (25, 25));
        assert_eq!(l.wood_sources.len(), 20);
        assert_eq!(l.stone_sources.len(), 20);
        assert_eq!(l.water.iter().filter(|&&w| w).count(), 33);
        let at = |r: usize, c: usize| r * 25 + c;
        assert_eq!(&l.wood_sources[..3], &[at(0, 0), at(0, 1), at(0, 2)]);
        assert_eq!(*l.stone_sources.last().unwrap(), at(24, 0));
        assert!(l.water[at(12, 0)] && !l.water[at(12, 5)]);
    }

    #[test]
    fn malformed_maps_name_the_row() {
        let e = Layout::parse("WW;W;", "m.txt").unwrap_err().to_string();
        assert!(
            e.contains("m.txt") && e.contains("row 1") && e.contains("1 tiles"),
            "{e}"
        );
        let e = Layout::parse("WX;  ;", "m.txt").unwrap_err().to_string();
        assert!(e.contains("row 0") && e.contains("'X'"), "{e}");
        assert!(Layout::parse("", "m.txt").is_err());
    }
}
