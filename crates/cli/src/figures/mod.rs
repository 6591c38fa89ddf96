//! Figure code of the commands, apart from their parsing and printing: each function draws one
//! command's paper-theme figures (SVG + PNG) from library results.

pub(crate) mod automation;
pub(crate) mod tax;
pub(crate) mod trade;
