//! The `diaoyan` command line: parses arguments and dispatches to one module per
//! subcommand. Errors are printed once, in Chinese, with the file they concern.

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    let code = match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("错误：{}", chain.join("："));
            // Unreadable inputs are a file problem (1); anything else is a usage error (2).
            if e.downcast_ref::<cli::AllUnreadable>().is_some() {
                1
            } else {
                2
            }
        }
    };
    std::process::exit(code);
}
