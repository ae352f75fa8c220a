//! The `diaoyan` command line: parses arguments and dispatches to one module per
//! subcommand. Errors are printed once, in Chinese, with the file they concern.

mod cli;

use clap::Parser;

/// clap's usage errors, said in Chinese (its own are English).
fn usage_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let ctx = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let arg = ctx(ContextKind::InvalidArg);
    match e.kind() {
        ErrorKind::UnknownArgument => format!("不认识的参数：{arg}"),
        ErrorKind::InvalidSubcommand => {
            format!("没有“{}”这个命令；可用的命令：init、import、report、template、status", ctx(ContextKind::InvalidSubcommand))
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令；可用的命令：init、import、report、template、status".into()
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8 => {
            format!(
                "参数 {arg} 的值“{}”无效{}",
                ctx(ContextKind::InvalidValue),
                if e.kind() == ErrorKind::ValueValidation { "（应为数字）" } else { "" }
            )
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => format!("参数 {arg} 的值的个数不对"),
        ErrorKind::ArgumentConflict => format!("参数 {arg} 不能与 {} 同时使用", ctx(ContextKind::PriorArg)),
        ErrorKind::NoEquals => format!("参数 {arg} 需要用“=”给出值"),
        _ => "命令行参数有误".into(),
    }
}

/// An error type of the library: its message is complete for users.
fn ours(e: &(dyn std::error::Error + 'static)) -> bool {
    use diaoyan::*;
    e.is::<output::WriteError>()
        || e.is::<ingest::ReadError>()
        || e.is::<survey::SurveyError>()
        || e.is::<infer::InferError>()
        || e.is::<collect::roster::RosterError>()
        || e.is::<stats::StatsError>()
        || e.is::<render::RenderError>()
        || e.is::<render::charts::ChartError>()
}

fn main() {
    diaoyan::profile::mark("start");
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                std::process::exit(0);
            }
            eprintln!("错误：{}", usage_error(&e));
            eprintln!("详细用法：diaoyan --help，或 diaoyan <命令> --help");
            std::process::exit(2);
        }
    };
    // A panic anywhere is a defect: no Rust text for the user, one Chinese line instead
    // (readers that panic on a damaged file are caught nearer, per file).
    std::panic::set_hook(Box::new(|_| {}));
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cli::run(args)));
    let Ok(run) = run else {
        eprintln!("错误：程序内部出错，运行已停止（这是 diaoyan 的缺陷：请把命令和输入文件发给维护者）");
        std::process::exit(1);
    };
    let code = match run {
        Ok(code) => code,
        Err(e) => {
            // The context added here, down to the first of our own errors: those say their
            // cause in Chinese already, so the system's English text below them is not repeated.
            let mut chain: Vec<String> = Vec::new();
            for c in e.chain() {
                // The system's own words (English) only through their meaning for a person.
                match c.downcast_ref::<std::io::Error>() {
                    Some(io) => chain.push(diaoyan::output::person(&io.to_string())),
                    None => chain.push(c.to_string()),
                }
                if ours(c) {
                    break;
                }
            }
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
