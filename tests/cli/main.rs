//! Integration tests: one test crate (so polars is linked once) with a module per area.
//! Tests drive the real binary through [`workdir::Workdir`] or call the library on the
//! committed fixtures in tests/fixtures (the real 问卷星 exports are in tests/fixtures/wjx_real).

mod agree;
mod bad_input;
mod batches;
mod browser;
mod careless;
mod charts;
mod collect;
mod document;
mod example;
mod hostile;
mod import;
mod init;
mod props;
mod serve;
mod shapes;
mod stats;
mod trust;
mod workdir;
