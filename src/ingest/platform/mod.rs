//! What the survey platforms put in their exports besides the answers: the column names
//! of 问卷星 (Wenjuanxin), 问卷网 and 腾讯问卷 (Tencent Survey) metadata, and the letter
//! prefixes some of them put before option texts, their marks for skipped and empty
//! answers, and the brackets around "other" texts. One list, read by both `init`
//! (inference) and the importer, so that a column is metadata to both or to neither.

mod headers;

use crate::text::norm;
pub use headers::{is_code, parse_numbered_header, parse_split_header, parse_sub_code, strip_type_suffix, Header};

/// Text a platform writes for a question not shown by skip logic.
pub const SKIPPED: &[&str] = &["(跳过)", "（跳过）", "-3"];
/// Its code in a code export.
pub const SKIPPED_CODE: i64 = -3;
/// Text a platform writes for a question shown but not answered.
pub const EMPTY: &[&str] = &["(空)", "（空）"];
/// The code of an option not chosen (split multi-select and ranking columns).
pub const NOT_CHOSEN_CODE: i64 = -2;
/// The brackets 问卷星 puts around the text written beside an "other" option.
pub const OTHER_OPEN: char = '〖';
pub const OTHER_CLOSE: char = '〗';

/// Splits a 问卷星 "other" answer `其他【请注明】〖宠物〗` into the option and the text.
pub fn split_other(s: &str) -> (&str, Option<&str>) {
    if let Some(open) = s.find(OTHER_OPEN) {
        let text = &s[open + OTHER_OPEN.len_utf8()..];
        let text = text.strip_suffix(OTHER_CLOSE).unwrap_or(text);
        return (s[..open].trim(), Some(text));
    }
    (s, None)
}

/// What a metadata column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    /// Respondent id (序号, 编号, 答卷编号).
    Seq,
    /// When the answers were submitted (提交答卷时间, 结束答题时间).
    Submitted,
    /// Anything else the platform records (time taken, source, IP, browser, …): never a question.
    Other,
}

const SEQ: &[&str] = &[
    "序号",
    "编号",
    "答卷编号",
    "答卷序号",
    "答题序号",
    "答卷id",
    "作答id",
    "作答编号",
    "样本编号",
    "问卷编号",
    "问卷序号",
    "调查编号",
    "样本号",
    "id",
    "respondent",
    "respondentid",
    "responseid",
    "seq",
];
const SUBMITTED: &[&str] = &[
    "提交答卷时间",
    "提交时间",
    "答题时间",
    "填写时间",
    "结束答题时间",
    "结束时间",
    "完成时间",
    "submitted",
    "finish",
    "finishtime",
    "end",
    "endtime",
    "enddate",
    "submittime",
    "submit_time",
    "end_time",
];
const OTHER: &[&str] = &[
    // 问卷星
    "所用时间",
    "来源",
    "来源详情",
    "来自ip",
    "总分",
    "用户id",
    "微信昵称",
    "填写设备",
    "操作系统",
    "浏览器",
    // 问卷网 and 腾讯问卷
    "开始答题时间",
    "开始时间",
    "答题时长",
    "填写时长",
    "用时",
    "语言",
    "ua",
    "useragent",
    "referrer",
    "referer",
    "ip",
    "ip地址",
    "地理位置",
    "所在地区",
    "国家",
    "省份",
    "城市",
    "自定义字段",
    "渠道",
    "来源渠道",
    "投放渠道",
    "用户标识",
    "openid",
    "昵称",
    "设备",
    "设备类型",
    "得分",
    "答题状态",
    "状态",
    "审核状态",
    "回收方式",
    "清洗数据结果",
    "智能清洗数据无效概率",
    "无效概率",
    "地理位置国家和地区",
    "地理位置省",
    "地理位置市",
    "地理位置区",
    "用户类型",
    "中奖时间",
    "中奖金额",
    "中奖情况",
    "标签",
    "答题链接",
    "填写链接",
    // 问卷网's English headers and other exports in English
    "source",
    "start",
    "starttime",
    "startdate",
    "start_time",
    "time_used",
    "timeused",
    "duration",
    "ip_province",
    "ip_city",
    "ip_country",
    "ip_address",
    "browser",
    "os",
    "device",
    "channel",
    "status",
    "language",
    "lang",
    "user_agent",
    "progress",
    "recordeddate",
    "distributionchannel",
    "userlanguage",
    "locationlatitude",
    "locationlongitude",
    "finished",
    // 金数据, Credamo 见数 and other panels
    "提交人",
    "修改时间",
    "更新时间",
    "填写ip",
    "微信openid",
    "推广渠道",
    "作答时长",
    "作答状态",
    "ip所在地",
    "ip属地",
    "样本状态",
    "审核结果",
    "作答设备",
    "有效性",
    "是否有效",
    "随机元素",
    "随机顺序",
    "随机分组",
    // diaoyan's own cleaned-data columns, when a cleaned file is read back
    "wave",
    "unit",
    "source_file",
    "source_sheet",
    "source_row",
    "备注",
];

/// Endings of per-question timing columns (`Q5作答时长`, `第5题用时(秒)`, `Q5_time`).
const TIMING_ENDS: &[&str] = &[
    "作答时长",
    "答题时长",
    "作答用时",
    "答题用时",
    "用时",
    "页面停留时长",
    "停留时长",
    "停留时间",
    "耗时",
    "_time",
    "_duration",
    "_timing",
    "_pagesubmit",
    "_firstclick",
    "_lastclick",
    "_clickcount",
];

/// The metadata a header names, if any. Matched on the whole header, after removing a
/// parenthesised qualifier and a trailing number (`地理位置(省)`, `自定义字段2`), never on
/// a prefix, so a question that merely starts with such a word stays a question. A few
/// endings are metadata whatever comes before them: per-question timing (`Q5作答时长`)
/// and randomisation records (`随机元素1`, `DO-Q5`).
pub fn meta(header: &str) -> Option<Meta> {
    let h = norm(header);
    let mut base = h.as_str();
    if let Some(p) = base.find(['(', '（', '[']) {
        if p > 0 && base.ends_with([')', '）', ']']) {
            base = &base[..p];
        }
    }
    let base = base.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = if base.is_empty() { h.as_str() } else { base };
    if SEQ.contains(&base) {
        Some(Meta::Seq)
    } else if SUBMITTED.contains(&base) {
        Some(Meta::Submitted)
    } else if OTHER.contains(&base) || timing_or_random(base, &h) {
        Some(Meta::Other)
    } else {
        None
    }
}

fn timing_or_random(base: &str, whole: &str) -> bool {
    // A timing ending after a question's number or code, not inside a question's words
    // (`您每天的学习时长` stays a question).
    let timing = TIMING_ENDS.iter().any(|e| {
        base.strip_suffix(e).is_some_and(|head| {
            head.is_empty()
                || head.chars().count() <= 12
                    && (headers::is_code(head)
                        || head
                            .trim_end_matches(['、', '.', '_', '-', '题'])
                            .trim_start_matches(['第', 'q'])
                            .chars()
                            .all(|c| c.is_ascii_digit()))
        })
    });
    timing || base.starts_with("随机") || whole.starts_with("do-") || whole.starts_with("fl_") || whole.starts_with("random")
}

/// Location and channel metadata worth grouping by (省份, 城市, 来源渠道): the kind of
/// place or channel a header names, if any.
pub fn banner_meta(header: &str) -> Option<&'static str> {
    let h = norm(header);
    if h.contains("省") && (h.starts_with("地理位置") || h.starts_with("ip") || h == "省份" || h == "所在省份")
        || h == "ip_province"
        || h == "来自ip"
    {
        Some("省份")
    } else if (h.contains("市") && h.starts_with("地理位置")) || h == "城市" || h == "ip_city" || h == "所在城市" {
        Some("城市")
    } else if ["来源", "渠道", "来源渠道", "投放渠道", "推广渠道", "source", "channel"].contains(&h.as_str()) {
        Some("来源渠道")
    } else {
        None
    }
}

/// Labels of a tally or notes block under the data (or of a tally sheet), as a whole cell.
const TALLY: &[&str] = &[
    "统计",
    "合计",
    "小计",
    "总计",
    "总数",
    "频数",
    "频率",
    "人数",
    "计数",
    "百分比",
    "比例",
    "占比",
    "平均",
    "平均值",
    "平均分",
    "均值",
    "标准差",
    "方差",
    "中位数",
    "众数",
    "最大值",
    "最小值",
    "极差",
    "有效填写人次",
    "填写人次",
    "有效人数",
    "有效样本",
    "样本量",
    "样本数",
    "median",
    "mode",
    "std",
    "max",
    "min",
    "汇总",
    "选项",
    "说明",
    "注",
    "备注",
    "填表说明",
    "填写说明",
    "total",
    "sum",
    "count",
    "mean",
    "average",
];
/// Labels that start such a block with a separator or one of a few words after them
/// (`合计：`, `统计结果`), never a name that merely starts so (`统计局`).
const TALLY_PREFIX: &[&str] = &["合计", "小计", "总计", "统计", "汇总", "填表说明", "填写说明"];
const TALLY_TAIL: &[&str] = &["结果", "数据", "情况", "表", "数"];
/// Endings of a per-option tally label (`选A人数`, `A比例`, `1人数`).
const TALLY_END: &[&str] = &["人数", "比例", "百分比", "占比", "频数", "计数"];

/// Whether a label starts a tally or notes block (`合计`, `选A人数`, `统计：`).
/// Whether `t`'s first character (after spaces) can begin a tally or totals label: a
/// letter or digit, or one of the characters such labels start with. No label of
/// [`is_tally_label`] or of the totals words (合计, 平均值, total…) starts otherwise, so
/// most answers are settled here without a copy.
///
/// A label starting with a digit can only be a per-option one (`1人数`, `2比例`): it ends
/// as [`TALLY_END`]'s words end, so answers such as `73秒` or `2025/6/2 9:05` are settled
/// here too.
pub fn may_be_tally_label(t: &str) -> bool {
    let t = t.trim();
    let first = t.chars().next().map(crate::text::fold_width);
    match first {
        Some(c) if c.is_ascii_digit() => {
            let last = t.trim_end_matches(|c: char| c.is_whitespace() || c == ':' || c == '：').chars().next_back();
            last.is_some_and(|c| TALLY_END.iter().any(|w| w.ends_with(c)))
        }
        Some(c) => c.is_ascii_alphanumeric() || "统合小总频人计百比占平均标汇选说注备填方中众最极有样".contains(c),
        None => false,
    }
}

pub fn is_tally_label(t: &str) -> bool {
    // Most cells asked about are answers: a number or date, or a first character no tally
    // label starts with, settles them without copying.
    if crate::text::only_ascii_digits_and_marks(t) {
        return false;
    }
    if !may_be_tally_label(t) {
        return false;
    }
    let n = crate::text::norm_cow(t);
    let n = n.trim_end_matches([':', '：']);
    let len = n.chars().count();
    if n.is_empty() || len > 12 {
        return false;
    }
    let prefixed = TALLY_PREFIX
        .iter()
        .any(|w| n.strip_prefix(w).is_some_and(|rest| rest.starts_with([':', '：', '(', '（', '-', '—']) || TALLY_TAIL.contains(&rest)));
    let per_option = TALLY_END.iter().any(|w| {
        n.strip_suffix(w)
            .is_some_and(|head| head.chars().count() <= 3 && (head.starts_with('选') || head.chars().any(|c| c.is_ascii_alphanumeric())))
    });
    TALLY.contains(&n) || prefixed || per_option
}

/// `其他_填空`, `其他_填空2`: the option a 腾讯问卷/问卷网 fill-in column belongs to.
pub fn other_fill_in(label: &str) -> Option<&str> {
    let p = label.rfind("_填空")?;
    let k = &label[p + "_填空".len()..];
    (k.chars().all(|c| c.is_ascii_digit()) && p > 0).then(|| label[..p].trim())
}

/// A matrix row label without its own number: `1.三会一课` → 三会一课 (and its number).
pub fn strip_row_number(s: &str) -> Option<(u32, &str)> {
    let t = s.trim_start();
    let digits = t.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let rest = t[digits..].strip_prefix(['.', '．', '、', ')', '）'])?.trim_start();
    (!rest.is_empty()).then(|| (t[..digits].parse().unwrap_or(0), rest))
}

/// The province of a 问卷星 `来自IP` cell: `183.192.16.69(上海-上海)` → 上海.
pub fn province_of_ip(s: &str) -> Option<&str> {
    let t = s.trim();
    let open = t.find(['(', '（'])?;
    let ip = &t[..open];
    if ip.is_empty() || !ip.chars().all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':') {
        return None;
    }
    let inner = t[open..].trim_start_matches(['(', '（']).trim_end_matches([')', '）']);
    let place = inner.split(['-', '—']).next()?.trim();
    (!place.is_empty() && place != "未知").then_some(place)
}

/// An option text without a letter prefix: `A.非常满意`, `B、比较满意`, `c）说不清`,
/// `Ａ．满意` → the text and the letter's position (0 for A). `None` when there is no
/// such prefix or nothing after it.
pub fn strip_letter(s: &str) -> Option<(usize, &str)> {
    let t = s.trim_start();
    let mut chars = t.char_indices();
    let (_, c) = chars.next()?;
    let c = crate::text::fold_width(c);
    if !c.is_ascii_alphabetic() {
        return None;
    }
    let (i, sep) = chars.next()?;
    if !['.', '、', '．', ':', '：', ')', '）', '。'].contains(&sep) {
        return None;
    }
    let rest = t[i + sep.len_utf8()..].trim_start();
    if rest.is_empty() {
        return None;
    }
    Some(((c.to_ascii_lowercase() as u8 - b'a') as usize, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_texts_are_split() {
        assert_eq!(split_other("其他【请注明】〖宠物〗"), ("其他【请注明】", Some("宠物")));
    }

    #[test]
    fn platform_columns() {
        for h in [
            "编号",
            "开始答题时间",
            "答题时长",
            "语言",
            "UA",
            "Referrer",
            "IP",
            "地理位置(省)",
            "地理位置（市）",
            "自定义字段",
            "自定义字段2",
            "渠道",
            "用户标识",
            "所用时间",
            "来自IP",
        ] {
            assert!(meta(h).is_some(), "{h}");
        }
        assert_eq!(meta("结束答题时间"), Some(Meta::Submitted));
        assert_eq!(meta("编号"), Some(Meta::Seq));
        for h in [
            "清洗数据结果",
            "智能清洗数据无效概率",
            "地理位置国家和地区",
            "地理位置省",
            "用户类型",
            "seq",
            "time_used",
            "ip_province",
            "os",
            "Q5作答时长",
            "第5题用时(秒)",
            "Q5_time",
            "随机元素1",
            "作答时长",
        ] {
            assert!(meta(h).is_some(), "{h}");
        }
        assert_eq!(meta("finish"), Some(Meta::Submitted));
        assert_eq!(meta("seq"), Some(Meta::Seq));
        assert_eq!(banner_meta("地理位置省"), Some("省份"));
        assert_eq!(banner_meta("ip_city"), Some("城市"));
        assert_eq!(banner_meta("来自IP"), Some("省份"));
        assert_eq!(province_of_ip("183.192.16.69(上海-上海)"), Some("上海"));
        assert_eq!(province_of_ip("240e:3b0::1(广东-深圳)"), Some("广东"));
        assert_eq!(province_of_ip("您的IP(上海)"), None);
        for q in ["渠道建设情况", "1、语言表达", "您的IP意识", "地理位置偏远吗", "您每天的学习时长", "5、您每周加班的用时"]
        {
            assert_eq!(meta(q), None, "{q}");
        }
    }

    #[test]
    fn letter_prefixes() {
        assert_eq!(strip_letter("A.非常满意"), Some((0, "非常满意")));
        assert_eq!(strip_letter("B、比较满意"), Some((1, "比较满意")));
        assert_eq!(strip_letter("ｃ）说不清"), Some((2, "说不清")));
        assert_eq!(strip_letter("AB"), None);
        assert_eq!(strip_letter("A."), None);
        assert_eq!(strip_letter("党政干部"), None);
    }
}
