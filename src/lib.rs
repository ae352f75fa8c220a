//! diaoyan (调研): turns returned questionnaires into clean, traceable response tables
//! and the figures survey reports quote. See docs/DESIGN.md for the pipeline.

pub mod clean;
pub mod collect;
pub mod error;
pub mod infer;
pub mod ingest;
pub mod inputs;
pub mod output;
pub mod pipeline;
pub mod profile;
pub mod render;
pub mod serve;
pub mod stats;
pub mod survey;
pub mod text;
