//! The plain data behind a figure, as a dict of numpy arrays and labels.

use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use walras_api::Figure;
use walras_plot::Series;

/// `{"kind", "title", "x_label", "y_label", ...}` plus the kind's data: `series` (each with
/// `label`, `x`, `y` and, for labelled points, `labels`) for lines and points, `categories` and
/// `groups` for bars, `x_labels`, `y_labels`, `values` (rows by columns) for a heatmap.
pub fn figure_dict<'py>(py: Python<'py>, figure: &Figure) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("title", figure.title())?;
    match figure {
        Figure::Line(c) => {
            d.set_item("kind", "line")?;
            axes(&d, &c.x_label, &c.y_label, c.log_x, c.log_y)?;
            d.set_item("series", series_list(py, &c.series, None)?)?;
        }
        Figure::Scatter(c) => {
            d.set_item("kind", "scatter")?;
            axes(&d, &c.x_label, &c.y_label, c.log_x, c.log_y)?;
            d.set_item("series", series_list(py, &c.series, None)?)?;
        }
        Figure::LabelledScatter { chart: c, labels } => {
            d.set_item("kind", "scatter")?;
            axes(&d, &c.x_label, &c.y_label, c.log_x, c.log_y)?;
            d.set_item("series", series_list(py, &c.series, Some(labels))?)?;
        }
        Figure::Bar(c) => {
            d.set_item("kind", "bar")?;
            axes(&d, &c.x_label, &c.y_label, false, false)?;
            d.set_item("categories", &c.categories)?;
            let groups = PyList::empty(py);
            for (label, values) in &c.groups {
                let g = PyDict::new(py);
                g.set_item("label", label)?;
                g.set_item("values", PyArray1::from_slice(py, values))?;
                groups.append(g)?;
            }
            d.set_item("groups", groups)?;
        }
        Figure::Heatmap(c) => {
            d.set_item("kind", "heatmap")?;
            axes(&d, &c.x_label, &c.y_label, false, false)?;
            d.set_item("x_labels", &c.x_labels)?;
            d.set_item("y_labels", &c.y_labels)?;
            d.set_item("value_label", &c.value_label)?;
            // Rows are of equal length (the chart refuses anything else when drawn).
            let values = PyArray2::from_vec2(py, &c.values).map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!("heatmap {:?}: {e}", c.title))
            })?;
            d.set_item("values", values)?;
        }
    }
    Ok(d)
}

fn axes(d: &Bound<'_, PyDict>, x: &str, y: &str, log_x: bool, log_y: bool) -> PyResult<()> {
    d.set_item("x_label", x)?;
    d.set_item("y_label", y)?;
    d.set_item("log_x", log_x)?;
    d.set_item("log_y", log_y)
}

fn series_list<'py>(
    py: Python<'py>,
    series: &[Series],
    labels: Option<&Vec<Vec<String>>>,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for (i, s) in series.iter().enumerate() {
        let d = PyDict::new(py);
        d.set_item("label", &s.label)?;
        d.set_item("x", PyArray1::from_slice(py, &s.x))?;
        d.set_item("y", PyArray1::from_slice(py, &s.y))?;
        if let Some(names) = labels.and_then(|l| l.get(i)) {
            d.set_item("labels", names)?;
        }
        list.append(d)?;
    }
    Ok(list)
}
