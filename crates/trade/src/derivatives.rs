//! Analytic first derivatives of the trade model: dF/dx, dF/dp, dW/dx and dW/dp assembled from
//! the hat-algebra structure in f64, instead of one dual-number pass per eight columns.
//!
//! Every derivative is built as a linear functional over the columns (x, then the requested
//! policy indices). The only dense functionals are d ln T_n^j, the log of the price-index sum
//! Sum_h lambda_hn^j e_hn^j (it depends on every exporter's wage, labour and input prices), and
//! d sales_i^j, which combines them; everything else is a few sparse terms. The result matches
//! the dual-number derivatives to rounding (tests/derivatives.rs).

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut};
use walras_core::autodiff::AllDerivatives;
use walras_core::AdjointOperator;

use crate::model::{Deficits, Numeraire, TradeModel};

/// Row-major dense rows over `ncols` columns.
struct Rows {
    ncols: usize,
    data: Vec<f64>,
}

impl Rows {
    fn zeros(rows: usize, ncols: usize) -> Self {
        Rows {
            ncols,
            data: vec![0.0; rows * ncols],
        }
    }
    fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.ncols..(r + 1) * self.ncols]
    }
    fn row_mut(&mut self, r: usize) -> &mut [f64] {
        &mut self.data[r * self.ncols..(r + 1) * self.ncols]
    }
}

/// dst += a * src.
fn axpy(dst: &mut [f64], a: f64, src: &[f64]) {
    if a != 0.0 {
        for (d, s) in dst.iter_mut().zip(src) {
            *d += a * s;
        }
    }
}

/// dst += a * (sparse terms).
fn add_sparse(dst: &mut [f64], a: f64, terms: &[(usize, f64)]) {
    for &(c, v) in terms {
        dst[c] += a * v;
    }
}

/// One of the dense functionals the residual and welfare rows combine.
#[derive(Clone, Copy)]
enum Source {
    /// d ln T_n^j, by sector-major index j * N + n.
    LnT,
    /// d sales_i^j, by sector-major index.
    Sales,
    /// d tariff revenue, by country.
    TariffRevenue,
    /// d export-tax revenue, by country.
    ExportRevenue,
    /// d subsidy outlay, by country.
    Subsidy,
}

/// The dense functionals at one point, and what the rows need besides.
struct Functionals {
    nc: usize,
    ncols: usize,
    wage: Vec<f64>,
    sales: Vec<f64>,
    d_world: Vec<(usize, f64)>,
    values: Vec<f64>,
    /// d ln T and d sales, sector by sector.
    sectors: Vec<SectorBlock>,
    tariff_revenue: Rows,
    export_revenue: Rows,
    subsidy: Rows,
}

/// One sector's d ln T_n^j and d sales_n^j (a column per country), over only the columns they
/// can touch: the wages, that sector's labour, the input prices, and the instruments on that
/// sector's flows and producers (a fifth of all columns with partner x sector tariffs on the
/// 7 x 44 data).
struct SectorBlock {
    /// The global column of each local row.
    cols: Vec<usize>,
    ln_t: DMatrix<f64>,
    sales: DMatrix<f64>,
}

impl SectorBlock {
    /// The functional of `country` from `source` (LnT or Sales).
    fn functional(&self, source: Source, country: usize) -> &[f64] {
        let m = match source {
            Source::LnT => &self.ln_t,
            _ => &self.sales,
        };
        let rows = m.nrows();
        &m.as_slice()[country * rows..(country + 1) * rows]
    }
}

/// dst[cols[l]] += a * src[l].
fn scatter(dst: &mut [f64], a: f64, cols: &[usize], src: &[f64]) {
    if a != 0.0 {
        for (&c, &v) in cols.iter().zip(src) {
            dst[c] += a * v;
        }
    }
}

impl Functionals {
    /// Functional `index` of `source` as (columns, values): a sector-block column for LnT and
    /// Sales (index j * N + country), a full row otherwise.
    fn functional(&self, source: Source, index: usize) -> (Option<&[usize]>, &[f64]) {
        let nc = self.nc;
        match source {
            Source::LnT | Source::Sales => {
                let block = &self.sectors[index / nc];
                (Some(&block.cols), block.functional(source, index % nc))
            }
            Source::TariffRevenue => (None, self.tariff_revenue.row(index)),
            Source::ExportRevenue => (None, self.export_revenue.row(index)),
            Source::Subsidy => (None, self.subsidy.row(index)),
        }
    }
}

/// Where the rows of [dF/d(x, p); dW/d(x, p)] go, term by term: dense rows, or an adjoint
/// combination of them.
trait RowSink {
    /// row[col] += value.
    fn add(&mut self, row: usize, col: usize, value: f64);
    /// row += coef * (functional `index` of `source`).
    fn add_row(&mut self, row: usize, source: Source, index: usize, coef: f64);
    /// Rows first + j (j < J) -= Sum_k g[(k, j)] * (d sales of `dest` in sector k).
    fn subtract_io_block(&mut self, first: usize, dest: usize, g: &DMatrix<f64>);
}

/// The dense rows, row-major.
struct DenseRows<'a> {
    rows: Rows,
    f: &'a Functionals,
}

impl RowSink for DenseRows<'_> {
    fn add(&mut self, row: usize, col: usize, value: f64) {
        self.rows.row_mut(row)[col] += value;
    }
    fn add_row(&mut self, row: usize, source: Source, index: usize, coef: f64) {
        match self.f.functional(source, index) {
            (Some(cols), values) => scatter(self.rows.row_mut(row), coef, cols, values),
            (None, values) => axpy(self.rows.row_mut(row), coef, values),
        }
    }
    fn subtract_io_block(&mut self, first: usize, dest: usize, g: &DMatrix<f64>) {
        // `dest`'s sales functionals expanded to full rows (as columns), then one product:
        // (rows as columns) J^T[:, j] -= S^T[:, k] G[k, j].
        let (ncols, nj) = (self.f.ncols, g.nrows());
        let mut s_rows = DMatrix::<f64>::zeros(ncols, nj);
        for (k, block) in self.f.sectors.iter().enumerate() {
            let sales = block.functional(Source::Sales, dest);
            scatter(s_rows.column_mut(k).as_mut_slice(), 1.0, &block.cols, sales);
        }
        let rows = first * ncols..(first + nj) * ncols;
        let mut j_rows = DMatrixViewMut::from_slice(&mut self.rows.data[rows], ncols, nj);
        j_rows.gemm(-1.0, &s_rows, g, 1.0);
    }
}

/// Sum_row weight(row, r) * row for each objective r, where the weights are -V for the residual
/// rows and the identity for the objectives' rows: [dW/dx - V^T dF/dx, dW/dp - V^T dF/dp].
/// Functionals are gathered as coefficients and applied once at the end.
struct AdjointRows<'a> {
    f: &'a Functionals,
    v: &'a DMatrix<f64>,
    n: usize,
    nc: usize,
    /// Output, column-major ncols x K (row r of the result is column r).
    out: DMatrix<f64>,
    /// Coefficients of each functional, (functional index, objective), in Source order.
    coefs: [DMatrix<f64>; 5],
}

impl AdjointRows<'_> {
    fn weight(&self, row: usize, r: usize) -> f64 {
        if row < self.n {
            -self.v[(row, r)]
        } else if row - self.n == r {
            1.0
        } else {
            0.0
        }
    }
    fn finish(mut self) -> DMatrix<f64> {
        let (ncols, nc) = (self.f.ncols, self.nc);
        // Sector blocks: one small product each, scattered into the block's columns.
        for (j, block) in self.f.sectors.iter().enumerate() {
            let [ln_t, sales, ..] = &self.coefs;
            let part = &block.ln_t * ln_t.rows(j * nc, nc) + &block.sales * sales.rows(j * nc, nc);
            for (l, &col) in block.cols.iter().enumerate() {
                for r in 0..part.ncols() {
                    self.out[(col, r)] += part[(l, r)];
                }
            }
        }
        for (rows, coef) in [
            &self.f.tariff_revenue,
            &self.f.export_revenue,
            &self.f.subsidy,
        ]
        .into_iter()
        .zip(&self.coefs[2..])
        {
            let view = DMatrixView::from_slice(&rows.data, ncols, coef.nrows());
            self.out.gemm(1.0, &view, coef, 1.0);
        }
        self.out.transpose()
    }
}

impl RowSink for AdjointRows<'_> {
    fn add(&mut self, row: usize, col: usize, value: f64) {
        for r in 0..self.out.ncols() {
            self.out[(col, r)] += self.weight(row, r) * value;
        }
    }
    fn add_row(&mut self, row: usize, source: Source, index: usize, coef: f64) {
        for r in 0..self.out.ncols() {
            let w = self.weight(row, r);
            self.coefs[source as usize][(index, r)] += w * coef;
        }
    }
    fn subtract_io_block(&mut self, first: usize, dest: usize, g: &DMatrix<f64>) {
        let nj = g.nrows();
        for r in 0..self.out.ncols() {
            for k in 0..nj {
                let mut sum = 0.0;
                for j in 0..nj {
                    sum += self.weight(first + j, r) * g[(k, j)];
                }
                self.coefs[Source::Sales as usize][(k * self.nc + dest, r)] -= sum;
            }
        }
    }
}

/// The trade model's derivatives at one point, applied (see [`AdjointOperator`]).
pub(crate) struct TradeAdjoint<'a> {
    model: &'a TradeModel,
    f: Functionals,
    x: Vec<f64>,
    objectives: Vec<usize>,
}

impl AdjointOperator for TradeAdjoint<'_> {
    fn values(&self) -> &[f64] {
        &self.f.values
    }

    fn adjoint_rows(&self, v: &DMatrix<f64>) -> DMatrix<f64> {
        let b = &*self.model.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let (n, k) = (self.model.layout.len, self.objectives.len());
        let functionals = 2 * nc * nj + 3 * nc;
        if functionals > n + k {
            // Fewer rows than functionals (no labour or price unknowns): form the rows, then
            // combine them, [-V; I]^T rows, as one product.
            let rows = self.dense_rows();
            let mut weights = DMatrix::zeros(n + k, k);
            weights.rows_mut(0, n).copy_from(&(-v));
            weights.rows_mut(n, k).fill_with_identity();
            let view = DMatrixView::from_slice(&rows.data, self.f.ncols, n + k);
            return (view * weights).transpose();
        }
        let mut sink = AdjointRows {
            f: &self.f,
            v,
            n,
            nc,
            out: DMatrix::zeros(self.f.ncols, k),
            coefs: [nc * nj, nc * nj, nc, nc, nc].map(|rows| DMatrix::zeros(rows, k)),
        };
        self.model
            .visit_rows(&self.f, &self.x, &self.objectives, &mut sink);
        sink.finish()
    }

    fn jacobian_x(&self) -> DMatrix<f64> {
        let rows = self.dense_rows();
        let ncols = self.f.ncols;
        let n = self.model.layout.len;
        DMatrix::from_fn(n, n, |r, c| rows.data[r * ncols + c])
    }
}

impl TradeAdjoint<'_> {
    /// All rows, formed.
    fn dense_rows(&self) -> Rows {
        let mut dense = DenseRows {
            rows: Rows::zeros(self.model.layout.len + self.objectives.len(), self.f.ncols),
            f: &self.f,
        };
        self.model
            .visit_rows(&self.f, &self.x, &self.objectives, &mut dense);
        dense.rows
    }
}

impl TradeModel {
    /// All first derivatives at (x, p) for `objectives` (countries) and policy indices `wrt`.
    pub(crate) fn derivatives(
        &self,
        x: &[f64],
        policy: &[f64],
        objectives: &[usize],
        wrt: &[usize],
    ) -> AllDerivatives {
        let op = self.adjoint_operator_at(x, policy, objectives, wrt);
        let jac = op.dense_rows();
        let n = self.layout.len;
        let (k, m) = (objectives.len(), wrt.len());
        let ncols = op.f.ncols;
        let at = |r: usize, col: usize| jac.data[r * ncols + col];
        AllDerivatives {
            values: op.f.values.clone(),
            f_x: DMatrix::from_fn(n, n, at),
            f_p: DMatrix::from_fn(n, m, |r, col| at(r, n + col)),
            w_x: DMatrix::from_fn(k, n, |r, col| at(n + r, col)),
            w_p: DMatrix::from_fn(k, m, |r, col| at(n + r, n + col)),
        }
    }

    /// The derivatives at (x, p) as an adjoint operator: the dense functionals are built once,
    /// and each application visits the rows without forming dF/dx.
    pub(crate) fn adjoint_operator_at(
        &self,
        x: &[f64],
        policy: &[f64],
        objectives: &[usize],
        wrt: &[usize],
    ) -> TradeAdjoint<'_> {
        TradeAdjoint {
            model: self,
            f: self.functionals(x, policy, objectives, wrt),
            x: x.to_vec(),
            objectives: objectives.to_vec(),
        }
    }

    /// The dense functionals at (x, p), over the columns (x, then the policy indices `wrt`).
    fn functionals(
        &self,
        x: &[f64],
        policy: &[f64],
        objectives: &[usize],
        wrt: &[usize],
    ) -> Functionals {
        let b = &*self.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let lay = self.layout;
        let n = lay.len;
        let ncols = n + wrt.len();
        // The column of each flow's tariff, export tax and subsidy, if it is in `wrt`.
        let mut column = vec![None; policy.len()];
        for (k, &i) in wrt.iter().enumerate() {
            column[i] = Some(n + k);
        }
        let src = self.wedges.sources.map(|i| column[i]);
        let (t, s, ex) = self.map.apply(b, policy);
        let c = self.compute::<f64>(x, policy, true);
        let (lambda, spending) = (&c.lambda, &c.spending);
        let wage: Vec<f64> = x[..nc].iter().map(|v| v.exp()).collect();
        let theta = |j: usize| b.sectors[j].theta;
        let io_share =
            |i: usize, k: usize, j: usize| b.io.as_ref().map_or(0.0, |g| g[(i * nj + k) * nj + j]);
        // Columns of dX_n^j: the spending unknown with IO links, else alpha Y_n.
        let d_spending = |cell: usize| -> (usize, f64) {
            match lay.spending {
                Some(x0) => (x0 + cell, self.spending_scale[cell]),
                None => (lay.income + cell / nj, b.alpha[cell] * b.income[cell / nj]),
            }
        };
        // d ln(1 + t_f), d ln(1 + x_f), d ln(1 + s_c) as (column, coefficient).
        let d_ln1p =
            |source: Option<usize>, level: f64| source.map(|col| (col, 1.0 / (1.0 + level)));

        // d ln A_h^j, A = Lhat^(theta psi) chat^(-theta): sparse.
        let d_ln_a: Vec<Vec<(usize, f64)>> = (0..nc * nj)
            .map(|cell| {
                let (h, j) = (cell / nj, cell % nj);
                let th = theta(j);
                let mut terms = vec![(h, -th * b.va_share[cell])];
                if let Some(l0) = lay.labor {
                    terms.push((l0 + cell, th * b.sectors[j].psi));
                }
                if let Some(p0) = lay.price {
                    for k in 0..nj {
                        let g = io_share(h, k, j);
                        if g != 0.0 {
                            terms.push((p0 + h * nj + k, -th * g));
                        }
                    }
                }
                terms
            })
            .collect();
        // d ln kappa_f = d ln(1+t) + d ln(1+x) - d ln(1+s): sparse (at most three terms).
        let d_ln_kappa = |f: usize, h: usize, j: usize| -> [Option<(usize, f64)>; 3] {
            let cell = h * nj + j;
            [
                d_ln1p(src.tariff[f], t[f]),
                d_ln1p(src.export[f], ex[f]),
                d_ln1p(src.subsidy[cell], s[cell]).map(|(col, v)| (col, -v)),
            ]
        };
        let add_kappa = |row: &mut [f64], a: f64, f: usize, h: usize, j: usize| {
            for (col, v) in d_ln_kappa(f, h, j).into_iter().flatten() {
                row[col] += a * v;
            }
        };
        let active = |f: usize| b.lambda[f] > 0.0;

        // d ln T_n^j = Sum_h lambda_f (d ln A_h^j - theta d ln kappa_f), and d sales, sector by
        // sector over the columns the sector can touch (`local`: global -> local column).
        // d ln lambda_f = d ln A - theta d ln kappa - d ln T; a flow's value is lambda_f X_n^j.
        // Producer sales_h^j = Sum_n lambda X (1+s)/((1+t)(1+x)).
        let mut local = vec![usize::MAX; ncols];
        let mut sales = vec![0.0; nc * nj];
        let mut sectors = Vec::with_capacity(nj);
        for j in 0..nj {
            let mut cols = Vec::new();
            let mut touch = |col: usize| {
                if local[col] == usize::MAX {
                    local[col] = cols.len();
                    cols.push(col);
                }
            };
            for h in 0..nc {
                let cell = h * nj + j;
                d_ln_a[cell].iter().for_each(|&(col, _)| touch(col));
                // The subsidy enters d sales_h^j directly (the producer wedge), not only through
                // d ln kappa of h's active flows: a cell that sells nothing (all its flows
                // inactive, LUX's sector 7 on WIOD 2014) still needs its column.
                if let Some(col) = src.subsidy[cell] {
                    touch(col);
                }
                for dest in 0..nc {
                    let f = b.flow(h, dest, j);
                    if active(f) {
                        d_ln_kappa(f, h, j)
                            .into_iter()
                            .flatten()
                            .for_each(|(col, _)| touch(col));
                    }
                }
            }
            for dest in 0..nc {
                touch(d_spending(dest * nj + j).0);
            }
            let at = |col: usize| local[col];
            let mut ln_t = DMatrix::<f64>::zeros(cols.len(), nc);
            for dest in 0..nc {
                let mut row = ln_t.column_mut(dest);
                for h in 0..nc {
                    let f = b.flow(h, dest, j);
                    if active(f) {
                        for &(col, v) in &d_ln_a[h * nj + j] {
                            row[at(col)] += lambda[f] * v;
                        }
                        for (col, v) in d_ln_kappa(f, h, j).into_iter().flatten() {
                            row[at(col)] -= theta(j) * lambda[f] * v;
                        }
                    }
                }
            }
            // producer[(dest, h)]: h's producer revenue from sales to dest.
            let mut producer_of = DMatrix::<f64>::zeros(nc, nc);
            let mut d_sales = DMatrix::<f64>::zeros(cols.len(), nc);
            for h in 0..nc {
                let cell = h * nj + j;
                let mut row = d_sales.column_mut(h);
                for dest in 0..nc {
                    let f = b.flow(h, dest, j);
                    if !active(f) {
                        continue;
                    }
                    let m = dest * nj + j;
                    let wedge = (1.0 + s[cell]) / ((1.0 + t[f]) * (1.0 + ex[f]));
                    let producer = lambda[f] * spending[m] * wedge;
                    sales[cell] += producer;
                    producer_of[(dest, h)] = producer;
                    for (col, v) in d_ln_kappa(f, h, j).into_iter().flatten() {
                        row[at(col)] -= theta(j) * producer * v;
                    }
                    for (col, v) in [d_ln1p(src.tariff[f], t[f]), d_ln1p(src.export[f], ex[f])]
                        .into_iter()
                        .flatten()
                    {
                        row[at(col)] -= producer * v;
                    }
                    let (col, v) = d_spending(m);
                    row[at(col)] += lambda[f] * wedge * v;
                }
                for &(col, v) in &d_ln_a[cell] {
                    row[at(col)] += sales[cell] * v;
                }
                if let Some((col, v)) = d_ln1p(src.subsidy[cell], s[cell]) {
                    row[at(col)] += sales[cell] * v;
                }
            }
            // d sales_h^j -= Sum_dest producer (d ln T_dest^j), as one product per sector.
            d_sales.gemm(-1.0, &ln_t, &producer_of, 1.0);
            for &col in &cols {
                local[col] = usize::MAX;
            }
            sectors.push(SectorBlock {
                cols,
                ln_t,
                sales: d_sales,
            });
        }
        // Tax revenues and subsidy outlays by country.
        let mut d_tariff_rev = Rows::zeros(nc, ncols);
        let mut d_export_rev = Rows::zeros(nc, ncols);
        let mut d_subsidy = Rows::zeros(nc, ncols);
        for dest in 0..nc {
            for j in 0..nj {
                let m = dest * nj + j;
                let mut revenue = 0.0;
                for h in 0..nc {
                    let f = b.flow(h, dest, j);
                    if !active(f) {
                        continue;
                    }
                    let value = lambda[f] * spending[m];
                    // Tariff revenue value t/(1+t): d = t/(1+t) d value + value/(1+t)^2 dt.
                    let share = t[f] / (1.0 + t[f]);
                    let r_f = value * share;
                    revenue += r_f;
                    {
                        let row = d_tariff_rev.row_mut(dest);
                        add_sparse(row, r_f, &d_ln_a[h * nj + j]);
                        add_kappa(row, -theta(j) * r_f, f, h, j);
                        let (col, v) = d_spending(m);
                        row[col] += lambda[f] * share * v;
                        if let Some(col) = src.tariff[f] {
                            row[col] += value / ((1.0 + t[f]) * (1.0 + t[f]));
                        }
                    }
                    // Export-tax revenue value x/((1+t)(1+x)), collected by exporter h.
                    let x_share = ex[f] / ((1.0 + t[f]) * (1.0 + ex[f]));
                    let e_f = value * x_share;
                    let row = d_export_rev.row_mut(h);
                    if e_f != 0.0 {
                        let block = &sectors[j];
                        scatter(row, -e_f, &block.cols, block.functional(Source::LnT, dest));
                        add_sparse(row, e_f, &d_ln_a[h * nj + j]);
                        add_kappa(row, -theta(j) * e_f, f, h, j);
                        let (col, v) = d_spending(m);
                        row[col] += lambda[f] * x_share * v;
                        if let Some(col) = src.tariff[f] {
                            row[col] -= e_f / (1.0 + t[f]);
                        }
                    }
                    if let Some(col) = src.export[f] {
                        row[col] += value / ((1.0 + t[f]) * (1.0 + ex[f]) * (1.0 + ex[f]));
                    }
                }
                let block = &sectors[j];
                scatter(
                    d_tariff_rev.row_mut(dest),
                    -revenue,
                    &block.cols,
                    block.functional(Source::LnT, dest),
                );
            }
        }
        for i in 0..nc {
            for j in 0..nj {
                let cell = i * nj + j;
                let row = d_subsidy.row_mut(i);
                let block = &sectors[j];
                let sales_ij = block.functional(Source::Sales, i);
                scatter(row, s[cell] / (1.0 + s[cell]), &block.cols, sales_ij);
                if let Some(col) = src.subsidy[cell] {
                    row[col] += sales[cell] / ((1.0 + s[cell]) * (1.0 + s[cell]));
                }
            }
        }
        let world0: f64 = b.wage_bill.iter().sum();
        let d_world: Vec<(usize, f64)> = (0..nc)
            .map(|i| (i, wage[i] * b.wage_bill[i] / world0))
            .collect();
        Functionals {
            nc,
            ncols,
            wage,
            sales,
            d_world,
            values: objectives.iter().map(|&k| self.welfare(&c, k)).collect(),
            sectors,
            tariff_revenue: d_tariff_rev,
            export_revenue: d_export_rev,
            subsidy: d_subsidy,
        }
    }

    /// Every row of [dF/d(x, p); dW/d(x, p)] (residual rows in the order of
    /// TradeModel::compute, then one row per objective), term by term into `sink`.
    fn visit_rows(
        &self,
        f: &Functionals,
        x: &[f64],
        objectives: &[usize],
        sink: &mut impl RowSink,
    ) {
        let b = &*self.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let lay = self.layout;
        let n = lay.len;
        let theta = |j: usize| b.sectors[j].theta;
        let io_share =
            |i: usize, k: usize, j: usize| b.io.as_ref().map_or(0.0, |g| g[(i * nj + k) * nj + j]);
        let sm = |country: usize, j: usize| j * nc + country;
        let (wage, sales) = (&f.wage, &f.sales);
        let add_sparse = |sink: &mut dyn FnMut(usize, f64), a: f64, terms: &[(usize, f64)]| {
            for &(col, v) in terms {
                sink(col, a * v);
            }
        };
        match lay.labor {
            Some(l0) => {
                for i in 0..nc {
                    for j in 0..nj {
                        let cell = i * nj + j;
                        let row = l0 + cell;
                        if b.value_added[cell] > 0.0 {
                            sink.add_row(row, Source::Sales, sm(i, j), 1.0 / sales[cell]);
                            sink.add(row, i, -1.0);
                            sink.add(row, l0 + cell, -1.0);
                        } else {
                            sink.add(row, l0 + cell, 1.0);
                        }
                    }
                    if i + 1 < nc {
                        for j in 0..nj {
                            let cell = i * nj + j;
                            let v = x[l0 + cell].exp() * b.value_added[cell] / b.wage_bill[i];
                            sink.add(i, l0 + cell, v);
                        }
                    }
                }
            }
            None => {
                for i in 0..nc - 1 {
                    let wb = b.wage_bill[i];
                    for j in 0..nj {
                        sink.add_row(i, Source::Sales, sm(i, j), b.va_share[i * nj + j] / wb);
                    }
                    sink.add(i, i, -wage[i]);
                }
            }
        }
        match self.numeraire {
            Numeraire::WorldValueAdded => {
                add_sparse(&mut |col, v| sink.add(nc - 1, col, v), 1.0, &f.d_world)
            }
            Numeraire::Wage(k) => sink.add(nc - 1, k, 1.0),
        }
        if let (Some(p0), Some(x0)) = (lay.price, lay.spending) {
            for dest in 0..nc {
                let scale = 1.0 / self.country_spending[dest];
                for j in 0..nj {
                    let m = dest * nj + j;
                    sink.add(p0 + m, p0 + m, 1.0);
                    sink.add_row(p0 + m, Source::LnT, sm(dest, j), 1.0 / theta(j));
                    sink.add(x0 + m, x0 + m, self.spending_scale[m] * scale);
                    sink.add(
                        x0 + m,
                        lay.income + dest,
                        -b.alpha[m] * b.income[dest] * scale,
                    );
                }
                // Spending rows -= Sum_k gamma(j -> k) d sales_dest^k / spending.
                let g = DMatrix::from_fn(nj, nj, |k, j| io_share(dest, j, k) * scale);
                sink.subtract_io_block(x0 + dest * nj, dest, &g);
            }
        }
        for dest in 0..nc {
            let y0 = b.income[dest];
            let row = lay.income + dest;
            sink.add(row, lay.income + dest, 1.0);
            sink.add(row, dest, -wage[dest] * b.wage_bill[dest] / y0);
            sink.add_row(row, Source::TariffRevenue, dest, -1.0 / y0);
            sink.add_row(row, Source::ExportRevenue, dest, -1.0 / y0);
            sink.add_row(row, Source::Subsidy, dest, 1.0 / y0);
            if self.deficits == Deficits::Keep {
                add_sparse(
                    &mut |col, v| sink.add(row, col, v),
                    -b.deficit[dest] / y0,
                    &f.d_world,
                );
            }
        }
        // Welfare W_n = (Y_n / Y_n0) exp(-Sum_j alpha ln Phat_n^j).
        for (r, &k) in objectives.iter().enumerate() {
            let w = f.values[r];
            let row = n + r;
            sink.add(row, lay.income + k, w / x[lay.income + k]);
            for j in 0..nj {
                let m = k * nj + j;
                match lay.price {
                    Some(p0) => sink.add(row, p0 + m, -w * b.alpha[m]),
                    None => sink.add_row(row, Source::LnT, sm(k, j), w * b.alpha[m] / theta(j)),
                }
            }
        }
    }
}
