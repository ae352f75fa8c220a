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
            format!("没有“{}”这个命令；可用的命令：init、import、report、template、status、serve", ctx(ContextKind::InvalidSubcommand))
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令；可用的命令：init、import、report、template、status、serve".into()
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

fn main() {
    diaoyan::profile::mark("start");
    // No arguments at all: double-clicked, so the page on the current folder.
    let args = if std::env::args_os().len() == 1 { Ok(cli::double_clicked()) } else { cli::Cli::try_parse() };
    let args = match args {
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
    // DIAOYAN_PANIC=1 (for developers) keeps Rust's own panic message and backtrace.
    if std::env::var_os("DIAOYAN_PANIC").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cli::run(args)));
    let Ok(run) = run else {
        eprintln!("错误：程序内部出错，运行已停止（这是 diaoyan 的缺陷：请把命令和输入文件发给维护者）");
        std::process::exit(1);
    };
    let code = match run {
        Ok(code) => code,
        Err(e) => {
            // The context added here and every cause that adds something, once, in
            // Chinese; the system's own error worded from its kind (diaoyan::error).
            eprintln!("错误：{}", diaoyan::error::explain(e.as_ref()));
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
