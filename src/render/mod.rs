//! Outputs of a report. Each renderer turns the stats tables into one file format and
//! computes nothing itself.

pub mod charts;
pub mod results_csv;
pub mod xlsx;
