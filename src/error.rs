//! Errors as people read them: the system's I/O errors worded from their kind
//! ([`writing`], [`reading`]), and one way to say an error with its causes ([`Explain`]),
//! which the command line prints and the ledger records.

use std::error::Error;
use std::io;

/// A write failure in a person's words, from the system's error kind: the few causes a
/// user can act on, else what the system said.
pub fn writing(e: &io::Error) -> String {
    use io::ErrorKind as K;
    match kind(e) {
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => "磁盘空间不足，请清理磁盘或换一个输出文件夹".into(),
        K::PermissionDenied => "没有写入权限，请换一个输出文件夹".into(),
        K::ReadOnlyFilesystem => "磁盘或文件夹是只读的，请换一个输出文件夹".into(),
        K::NotFound => "文件夹不存在或已被移走".into(),
        K::NotADirectory | K::IsADirectory => "路径中有同名的文件或文件夹挡住了，请换一个输出位置".into(),
        K::AlreadyExists => "那里已有一个同名的文件，请换一个输出位置或名字".into(),
        _ => common(e).unwrap_or_else(|| said("写入失败", e)),
    }
}

/// The system's errors that mean the same whether reading or writing.
fn common(e: &io::Error) -> Option<String> {
    use io::ErrorKind as K;
    Some(
        match kind(e) {
            K::ResourceBusy | K::ExecutableFileBusy => "文件正被其他程序占用，请关闭它（如 Excel、WPS）后再试",
            K::OutOfMemory => "内存不足",
            K::UnexpectedEof => "文件意外结束，可能不完整",
            K::InvalidData => "文件内容无法识别",
            K::InvalidFilename => "文件名不合法（太长或含有系统不允许的字符）",
            K::TimedOut | K::NetworkDown | K::NetworkUnreachable | K::HostUnreachable | K::ConnectionReset | K::ConnectionAborted => {
                "网络或共享文件夹连接中断，请检查网络后再试"
            }
            K::StaleNetworkFileHandle => "共享文件夹上的文件已失效，请重新打开文件夹后再试",
            K::DirectoryNotEmpty => "文件夹不是空的",
            K::TooManyLinks => "文件夹的链接太多或绕成了圈",
            K::Interrupted => "操作被中断，请再试一次",
            K::CrossesDevices => "不能跨磁盘移动文件",
            _ => return None,
        }
        .into(),
    )
}

/// A failure to read a file in a person's words (a missing file is not a missing folder).
pub fn reading(e: &io::Error) -> String {
    use io::ErrorKind as K;
    match kind(e) {
        K::NotFound => "文件不存在，请检查路径".into(),
        K::PermissionDenied => "没有读取权限".into(),
        K::IsADirectory => "这是一个文件夹，不是文件".into(),
        K::StorageFull | K::QuotaExceeded | K::ReadOnlyFilesystem | K::NotADirectory | K::FileTooLarge => writing(e),
        _ => common(e).unwrap_or_else(|| said("读取失败", e)),
    }
}

/// The kind of the system's own error under `e`. A library that wraps the system's error
/// in one of kind `Other` (a zip writer) keeps it inside, as the wrapped error or one of
/// its causes; one that flattens it to text (the PNG encoder) keeps only the error number
/// in its message, `(os error N)`, which still tells the kind.
fn kind(e: &io::Error) -> io::ErrorKind {
    let mut e = e;
    while e.kind() == io::ErrorKind::Other {
        let Some(inner) = e.get_ref() else { break };
        let mut cur: Option<&(dyn Error + 'static)> = Some(inner);
        let mut found = None;
        while let Some(c) = cur {
            if let Some(io) = c.downcast_ref::<io::Error>() {
                found = Some(io);
                break;
            }
            cur = c.source();
        }
        match found {
            Some(io) => e = io,
            None => break,
        }
    }
    if e.kind() != io::ErrorKind::Other {
        return e.kind();
    }
    let text = e.to_string();
    let code = text.rsplit_once("(os error ").and_then(|(_, n)| n.strip_suffix(')')).and_then(|n| n.parse::<i32>().ok());
    code.map_or(io::ErrorKind::Other, |n| io::Error::from_raw_os_error(n).kind())
}

/// What the system (or the library that wrapped its error) said, after `what`: English
/// text in brackets without Rust's debug punctuation, a message of ours as it is.
fn said(what: &str, e: &io::Error) -> String {
    let msg = match e.get_ref() {
        Some(inner) => inner.to_string(),
        None => e.to_string(),
    };
    if msg.is_ascii() {
        let plain: String = msg.chars().filter(|c| !"{}()\"".contains(*c)).take(120).collect();
        format!("{what}（{plain}）")
    } else {
        msg
    }
}

/// An error said with its causes, once: each cause that adds something in Chinese is
/// appended after "：" (a cause an error above already words is not repeated; a library's
/// English text is left in the chain for developers, not shown); the system's I/O error at
/// the bottom is worded from its kind unless an error above already said it.
pub trait Explain {
    fn explain(&self) -> String;
}

impl<E: Error + 'static> Explain for E {
    fn explain(&self) -> String {
        explain(self)
    }
}

/// [`Explain`] for an error behind a reference (`anyhow::Error::as_ref`, `Box<dyn Error>`).
pub fn explain(e: &(dyn Error + 'static)) -> String {
    let mut said: Vec<String> = Vec::new();
    let known = |said: &[String], t: &str| said.iter().any(|s| s.contains(t));
    let mut cur = Some(e);
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<io::Error>() {
            let (w, r) = (writing(io), reading(io));
            if !known(&said, &w) && !known(&said, &r) {
                said.push(w);
            }
            break;
        }
        let t = c.to_string();
        // A cause is ours when its first line is Chinese (a library's message may quote
        // Chinese input further down, as the TOML parser quotes the line).
        let chinese = t.lines().next().unwrap_or("").chars().any(|ch| ('\u{4E00}'..='\u{9FFF}').contains(&ch));
        if said.is_empty() || (!known(&said, &t) && chinese) {
            said.push(t);
        }
        cur = c.source();
    }
    said.join("：")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("无法写入 a.csv：{}", writing(.0))]
    struct Ours(#[source] io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("导出 a.csv")]
    struct Context(#[source] io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("文件已损坏")]
    struct Damaged(#[source] Box<dyn Error + Send + Sync>);

    #[test]
    fn worded_from_the_kind() {
        let full = io::Error::from_raw_os_error(28);
        assert!(writing(&full).contains("磁盘空间不足"));
        assert!(writing(&io::Error::from_raw_os_error(13)).contains("没有写入权限"));
        assert!(writing(&io::Error::from_raw_os_error(30)).contains("只读"));
        assert!(reading(&io::Error::from(io::ErrorKind::NotFound)).contains("文件不存在"));
        // A library's error carried as the cause: its text, without debug punctuation.
        let zip = io::Error::other("ZipWriter::drop: failed to finalize archive (\"x\")");
        assert_eq!(writing(&zip), "写入失败（ZipWriter::drop: failed to finalize archive x）");
        assert_eq!(writing(&io::Error::other("磁盘坏了")), "磁盘坏了");
        // The system's error wrapped by a library in one of kind Other.
        assert!(writing(&io::Error::other(io::Error::from_raw_os_error(28))).contains("磁盘空间不足"));
        // …or flattened to its text, which keeps the error number.
        let flat = io::Error::other(io::Error::from_raw_os_error(28).to_string());
        assert!(writing(&flat).contains("磁盘空间不足"), "{}", writing(&flat));
    }

    #[test]
    fn causes_are_said_once() {
        // Our error words its cause: not repeated.
        assert_eq!(Ours(io::Error::from_raw_os_error(28)).explain(), "无法写入 a.csv：磁盘空间不足，请清理磁盘或换一个输出文件夹");
        // A context over the system's error: the error worded.
        assert_eq!(Context(io::Error::from_raw_os_error(13)).explain(), "导出 a.csv：没有写入权限，请换一个输出文件夹");
        // A library's English cause stays in the chain, not in the message.
        let d = Damaged("Invalid zip header".into());
        assert_eq!(d.explain(), "文件已损坏");
        assert_eq!(d.source().unwrap().to_string(), "Invalid zip header");
    }
}
